package io.datamover.applier;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive claim on a replica set's directory: held by the target gateway while the set is open and by
 * {@code datamover rollback} while it writes, so neither writes under the other. An OS file lock, so a process
 * killed with -9 leaves none behind.
 */
public final class ReplicaSetLock implements AutoCloseable {
    static final String FILE_NAME = "replica-set.lock";
    /**
     * Directories this JVM holds. Checked before any file is opened: the OS lock is per process, and closing any
     * descriptor of the lock file (a second claimant in this JVM giving up) would release it for everyone.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private ReplicaSetLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock of {@code directory} (which must exist), or empty when another process or owner holds it. */
    public static Optional<ReplicaSetLock> tryAcquire(Path directory) throws IOException {
        Path key = directory.toRealPath();
        if (!HELD_HERE.add(key)) {
            return Optional.empty();
        }
        try {
            FileChannel channel = FileChannel.open(key.resolve(FILE_NAME), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return Optional.of(new ReplicaSetLock(key, channel, lock));
                }
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            channel.close(); // held by another process: this descriptor held no lock, closing it releases none
            HELD_HERE.remove(key);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD_HERE.remove(key);
            }
        }
    }
}
