package io.datamover.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest when fio is not installed: an {@link NbdClient} that
 * writes 64 KiB blocks of mixed compressibility at random offsets at a steady rate, with now and then a
 * WRITE_ZEROES or a TRIM so that the replica's holes show. One request at a time: the demo's rate is low.
 */
final class BuiltinNbdWriter implements Workload {
    static final int BLOCK = 64 * 1024;
    private final long diskBytes;
    private final int seconds;
    private final int rateMiBs;
    private volatile boolean stop;
    private volatile String failure = "";
    private Thread thread;

    BuiltinNbdWriter(long diskBytes, int seconds, int rateMiBs) {
        this.diskBytes = diskBytes;
        this.seconds = seconds;
        this.rateMiBs = rateMiBs;
    }

    @Override
    public String description() {
        return String.format("built-in NBD writer (fio is not installed): random 64 KiB writes of mixed data with"
                + " some zero writes and trims, %d MiB/s, %d s", rateMiBs, seconds);
    }

    @Override
    public void start(String nbdUri) {
        URI uri = URI.create(nbdUri);
        thread = Thread.ofPlatform().name("demo-nbd-writer").daemon(true).start(() -> {
            try (NbdClient client = NbdClient.connect(uri.getHost(), uri.getPort(), uri.getPath().substring(1),
                    30_000)) {
                writeUntilTimeIsUp(client);
            } catch (IOException | RuntimeException e) {
                failure = "the built-in NBD writer failed: " + e;
            }
        });
    }

    private void writeUntilTimeIsUp(NbdClient client) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        BlockContent content = new BlockContent(42);
        byte[] block = new byte[BLOCK];
        long blocks = diskBytes / BLOCK;
        long bytesPerSecond = (long) rateMiBs << 20;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        while (!stop && System.nanoTime() < end) {
            long offset = random.nextLong(blocks) * BLOCK;
            int pick = random.nextInt(20);
            if (pick == 0) {
                client.trim(offset, BLOCK);
            } else if (pick == 1) {
                client.writeZeroes(offset, BLOCK);
            } else {
                content.fill(block);
                client.write(offset, block, BLOCK);
            }
            sent += BLOCK;
            // Keep to the rate: wait until this many bytes are due.
            long due = start + sent * 1_000_000_000L / bytesPerSecond;
            while (!stop && System.nanoTime() < due) {
                LockSupport.parkNanos(due - System.nanoTime());
            }
        }
    }

    @Override
    public boolean finished() {
        return thread != null && !thread.isAlive();
    }

    @Override
    public String failure() {
        return failure;
    }

    @Override
    public void close() {
        stop = true;
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(35));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
