package io.datamover.it;

import io.datamover.cli.demo.NbdClient;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The fault campaign's guest: one NBD client writing one request at a time (so the tap's seq order is the order
 * of the acknowledgements), 4-64 KiB of seeded random bytes at random 4 KiB-aligned offsets, with now and then a
 * WRITE_ZEROES or a TRIM, at a steady rate. Each acknowledged write goes to the {@link WriteLog}. When the tap
 * goes away (it was killed) the client reconnects and sends the unacknowledged request again, as a guest's block
 * layer does, so the log holds it once, where it was acknowledged.
 */
final class CampaignWorkload implements AutoCloseable {
    private static final int MAX_BLOCKS = 16; // 64 KiB
    private static final Duration RECONNECT_DEADLINE = Duration.ofSeconds(90);

    private final int nbdPort;
    private final String export;
    private final long diskBytes;
    private final long bytesPerSecond;
    private final SplittableRandom random;
    private final WriteLog log = new WriteLog();
    private final AtomicInteger reconnects = new AtomicInteger();
    /** An idle asked for and not yet begun, in nanoseconds; 0 when none. */
    private final AtomicLong idleNanos = new AtomicLong();
    private volatile boolean stop;
    private volatile Throwable failure;
    private Thread thread;

    CampaignWorkload(int nbdPort, String export, long diskBytes, long bytesPerSecond, long seed) {
        this.nbdPort = nbdPort;
        this.export = export;
        this.diskBytes = diskBytes;
        this.bytesPerSecond = bytesPerSecond;
        this.random = new SplittableRandom(seed);
    }

    CampaignWorkload start() {
        thread = Thread.ofPlatform().name("campaign-guest").daemon(true).start(() -> {
            try {
                run();
            } catch (Throwable t) {
                failure = t;
            }
        });
        return this;
    }

    WriteLog log() {
        return log;
    }

    int reconnects() {
        return reconnects.get();
    }

    /** Waits until {@code more} writes past {@code from} are acknowledged: the guest is writing. */
    void awaitWrites(int from, int more, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (log.size() < from + more) {
            checkHealthy();
            if (System.nanoTime() > end) {
                throw new AssertionError("the guest got no acknowledgement for " + deadline.toSeconds() + " s ("
                        + log.size() + " writes so far)");
            }
            Thread.sleep(20); // polling the log with a deadline
        }
    }

    /** From its next request on, the guest sends nothing for {@code length}, then writes on at its rate. */
    void idle(Duration length) {
        idleNanos.set(length.toNanos());
    }

    void checkHealthy() {
        if (failure != null) {
            throw new AssertionError("the guest failed: " + failure, failure);
        }
    }

    private void run() throws IOException, InterruptedException {
        byte[] data = new byte[MAX_BLOCKS * WriteLog.BLOCK];
        long blocks = diskBytes / WriteLog.BLOCK;
        long start = System.nanoTime();
        long sent = 0;
        NbdClient client = connect(false);
        try {
            while (!stop) {
                start += idleIfAsked();
                int length = (1 + random.nextInt(MAX_BLOCKS)) * WriteLog.BLOCK;
                long offset = random.nextLong(blocks - length / WriteLog.BLOCK + 1) * WriteLog.BLOCK;
                int pick = random.nextInt(20);
                if (pick > 1) {
                    random.nextBytes(data); // the whole buffer: its cost does not depend on the length
                }
                while (true) { // until acknowledged: a tap killed meanwhile gets the request again
                    try {
                        if (pick == 0) {
                            client.trim(offset, length);
                        } else if (pick == 1) {
                            client.writeZeroes(offset, length);
                        } else {
                            client.write(offset, data, length);
                        }
                        break;
                    } catch (IOException e) {
                        client.close();
                        client = connect(true);
                    }
                }
                if (pick > 1) {
                    log.data(offset, data, length);
                } else {
                    log.zeros(offset, length);
                }
                sent += length;
                long due = start + sent * 1_000_000_000L / bytesPerSecond; // keep to the rate
                while (!stop && System.nanoTime() < due) {
                    LockSupport.parkNanos(due - System.nanoTime());
                }
            }
        } finally {
            client.close();
        }
    }

    /** Waits out an idle asked for, if any; returns its length, by which the rate's schedule moves on. */
    private long idleIfAsked() {
        long idle = idleNanos.getAndSet(0);
        long end = System.nanoTime() + idle;
        while (!stop && System.nanoTime() < end) {
            LockSupport.parkNanos(end - System.nanoTime());
        }
        return idle;
    }

    private NbdClient connect(boolean again) throws IOException, InterruptedException {
        if (again) {
            reconnects.incrementAndGet();
        }
        long end = System.nanoTime() + RECONNECT_DEADLINE.toNanos();
        while (true) {
            try {
                return NbdClient.connect("127.0.0.1", nbdPort, export, 30_000);
            } catch (IOException e) {
                if (System.nanoTime() > end || stop) {
                    throw new IOException("the tap did not take the guest back within " + RECONNECT_DEADLINE, e);
                }
                Thread.sleep(100); // the tap is restarting: polling its port with a deadline
            }
        }
    }

    /** Stops after the request in flight is acknowledged: the log is then final. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(120));
        }
    }
}
