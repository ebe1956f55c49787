package io.datamover.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive claim of one owner on a data directory (a tap's state directory, a gateway's data directory, a
 * journal, a replica set), held while it runs: a second process, or a second owner in this process, is refused with
 * {@link DirectoryInUseException} naming the holder. An OS lock (fcntl) on {@value #FILE_NAME} in the directory, so a
 * process killed with -9 leaves none behind. The holder writes its pid and role into the file after taking the lock,
 * for the refusal's message; the file is never deleted (a process that opened it could otherwise lock a removed
 * file while a third locks a new one).
 */
public final class DirectoryLock implements AutoCloseable {
    public static final String FILE_NAME = "datamover.lock";
    /**
     * Directories this JVM holds, with their owner. Checked before any file is opened: the OS lock is per process,
     * and closing any descriptor of the lock file (a second claimant in this JVM giving up) would release it for
     * everyone.
     */
    private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory}, which must exist, for {@code owner} (e.g. "tap", "target gateway": named in the
     * refusals of others).
     *
     * @throws DirectoryInUseException when another process or another owner in this one holds it
     */
    public static DirectoryLock acquire(Path directory, String owner) throws IOException {
        Path key = directory.toRealPath();
        String holderHere = HELD_HERE.putIfAbsent(key, owner);
        if (holderHere != null) {
            throw new DirectoryInUseException(key, holderHere, ProcessHandle.current().pid(), true);
        }
        try {
            Path file = key.resolve(FILE_NAME);
            FileChannel channel = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
                if (lock != null) {
                    recordHolder(channel, owner);
                    return new DirectoryLock(key, channel, lock);
                }
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            channel.close(); // held by another process: this descriptor held no lock, closing it releases none
            throw otherProcess(key, file);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            throw e;
        }
    }

    private static void recordHolder(FileChannel channel, String owner) throws IOException {
        channel.truncate(0);
        ByteBuffer line = ByteBuffer.wrap((ProcessHandle.current().pid() + " " + owner + "\n")
                .getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) {
            channel.write(line, line.position());
        }
    }

    /** What the holder wrote: "pid owner"; read without locking (the holder may be writing it: then pid -1). */
    private static DirectoryInUseException otherProcess(Path directory, Path file) throws IOException {
        String[] line = Files.readString(file, StandardCharsets.UTF_8).strip().split(" ", 2);
        long pid;
        try {
            pid = Long.parseLong(line[0]);
        } catch (NumberFormatException e) {
            pid = -1;
        }
        return new DirectoryInUseException(directory, line.length > 1 ? line[1] : "another process", pid, false);
    }

    /** The directory held, as its real path. */
    public Path directory() {
        return directory;
    }

    /** Releases the directory. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD_HERE.remove(directory);
            }
        }
    }
}
