package io.datamover.applier;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The exclusive claim on a replica set's directory: held by the target gateway while the set is open and by
 * {@code datamover rollback} while it writes, so neither writes under the other. An OS file lock, so a process
 * killed with -9 leaves none behind.
 */
public final class ReplicaSetLock implements AutoCloseable {
    static final String FILE_NAME = "replica-set.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private ReplicaSetLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock of {@code directory} (which must exist), or empty when another process or owner holds it. */
    public static Optional<ReplicaSetLock> tryAcquire(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new ReplicaSetLock(channel, lock));
            }
        } catch (OverlappingFileLockException e) {
            // held by another owner in this JVM: in use all the same
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        channel.close();
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
