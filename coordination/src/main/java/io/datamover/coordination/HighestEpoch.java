package io.datamover.coordination;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The highest epoch a receiver (a tap, a target gateway) has seen for one consistency group, persisted, so that a
 * deposed leader's HELLO, batches and acks under a lower epoch are refused even after the receiver restarts. The
 * file is replaced atomically (write, fsync, rename, fsync of the directory): a crash leaves the old or the new value.
 *
 * <p>Thread-safe by its monitor: receivers call {@link #admit} from their session handlers.
 */
public final class HighestEpoch {
    private final Path file;
    private long highest;

    private HighestEpoch(Path file, long highest) {
        this.file = file;
        this.highest = highest;
    }

    /** Opens (or starts at 0) the highest epoch kept in {@code file}. */
    public static HighestEpoch open(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new HighestEpoch(file, 0);
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != Long.BYTES) {
            throw new IOException(file + " holds " + bytes.length + " bytes, not an epoch: refusing to guess one");
        }
        return new HighestEpoch(file, ByteBuffer.wrap(bytes).getLong());
    }

    /**
     * Whether a peer acting under {@code epoch} may be served: yes if no higher epoch was seen; a higher epoch than
     * any seen is persisted before this returns, so the answer survives a crash.
     */
    public synchronized boolean admit(long epoch) throws IOException {
        if (epoch < highest) {
            return false;
        }
        if (epoch > highest) {
            persist(epoch);
            highest = epoch;
        }
        return true;
    }

    public synchronized long highest() {
        return highest;
    }

    private void persist(long epoch) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.allocate(Long.BYTES).putLong(0, epoch));
            out.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
