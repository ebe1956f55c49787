package io.datamover.cli.demo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest when fio is not installed: a small NBD client (fixed newstyle, NBD_OPT_GO, simple replies) that
 * writes 64 KiB blocks of mixed compressibility at random offsets at a steady rate, with now and then a
 * WRITE_ZEROES or a TRIM so that the replica's holes show. One request at a time: the demo's rate is low.
 */
final class BuiltinNbdWriter implements Workload {
    static final int BLOCK = 64 * 1024;
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    private static final int CLIENT_FIXED_NEWSTYLE_NO_ZEROES = 3;
    private static final int OPT_GO = 7;
    private static final int REP_ACK = 1;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    private static final short CMD_WRITE = 1;
    private static final short CMD_DISC = 2;
    private static final short CMD_TRIM = 4;
    private static final short CMD_WRITE_ZEROES = 6;

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
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.setSoTimeout(30_000);
                socket.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), BLOCK + 64));
                negotiate(in, out, uri.getPath().substring(1));
                writeUntilTimeIsUp(in, out);
                request(out, CMD_DISC, 0, 0, 0);
                out.flush();
            } catch (IOException | RuntimeException e) {
                failure = "the built-in NBD writer failed: " + e;
            }
        });
    }

    private static void negotiate(DataInputStream in, DataOutputStream out, String export) throws IOException {
        if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD server (no fixed newstyle greeting)");
        }
        in.readUnsignedShort(); // handshake flags
        out.writeInt(CLIENT_FIXED_NEWSTYLE_NO_ZEROES);
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        out.writeLong(IHAVEOPT);
        out.writeInt(OPT_GO);
        out.writeInt(4 + name.length + 2);
        out.writeInt(name.length);
        out.write(name);
        out.writeShort(0); // no information requests
        out.flush();
        while (true) {
            if (in.readLong() != OPTION_REPLY_MAGIC) {
                throw new IOException("bad NBD option reply");
            }
            in.readInt(); // the option answered
            int type = in.readInt();
            in.skipNBytes(in.readInt() & 0xFFFF_FFFFL);
            if (type == REP_ACK) {
                return;
            }
            if (type < 0) { // the error replies have the high bit set
                throw new IOException("the tap refused export '" + export + "' (NBD reply type 0x"
                        + Integer.toHexString(type) + ")");
            }
        }
    }

    private void writeUntilTimeIsUp(DataInputStream in, DataOutputStream out) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        BlockContent content = new BlockContent(42);
        byte[] block = new byte[BLOCK];
        long blocks = diskBytes / BLOCK;
        long bytesPerSecond = (long) rateMiBs << 20;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        for (long cookie = 1; !stop && System.nanoTime() < end; cookie++) {
            long offset = random.nextLong(blocks) * BLOCK;
            int pick = random.nextInt(20);
            if (pick == 0) {
                request(out, CMD_TRIM, cookie, offset, BLOCK);
            } else if (pick == 1) {
                request(out, CMD_WRITE_ZEROES, cookie, offset, BLOCK);
            } else {
                content.fill(block);
                request(out, CMD_WRITE, cookie, offset, BLOCK);
                out.write(block);
            }
            out.flush();
            readReply(in, cookie);
            sent += BLOCK;
            // Keep to the rate: wait until this many bytes are due.
            long due = start + sent * 1_000_000_000L / bytesPerSecond;
            while (!stop && System.nanoTime() < due) {
                LockSupport.parkNanos(due - System.nanoTime());
            }
        }
    }

    private static void request(DataOutputStream out, short type, long cookie, long offset, int length)
            throws IOException {
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(0);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt(length);
    }

    private static void readReply(DataInputStream in, long cookie) throws IOException {
        if (in.readInt() != SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad NBD reply magic");
        }
        int error = in.readInt();
        long got = in.readLong();
        if (got != cookie) {
            throw new IOException("NBD reply for request " + got + ", expected " + cookie);
        }
        if (error != 0) {
            throw new IOException("the tap failed request " + cookie + " with NBD error " + error);
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
