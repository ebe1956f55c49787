package io.datamover.disk;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A regular file seen as a sparse disk: punch holes, find data and holes (SEEK_DATA / SEEK_HOLE), count
 * allocated bytes, make data durable (fdatasync), and positional reads and writes.
 *
 * <p>The file is opened with {@code open(2)} through the Foreign Function and Memory API and the descriptor is kept
 * for the native calls. Data moves through a {@link FileChannel} opened on {@code /proc/self/fd/N}: the same inode
 * as the descriptor (never another file that took the path meanwhile), with the JDK's positional I/O for heap
 * and direct buffers. fdatasync on the descriptor covers writes made through the channel: durability is per inode.
 *
 * <p>Thread-safe: every call is a positional system call. {@link #close()} must come after the last call.
 */
public final class SparseFile implements AutoCloseable {

    /** Returned by {@link #nextData(long)} when no data follows the offset. */
    public static final long NO_MORE_DATA = -1;

    /** The page cache's largest folio on x86-64 and arm64 with 4 KiB pages (a PMD). */
    private static final long LARGEST_FOLIO_BYTES = 2L << 20;

    private static final int EBADF = 9;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final int fd;
    private final FileChannel channel;
    private final boolean writable;
    /** A block device has a size but no holes the file system could tell about: all of it counts as data. */
    private final boolean blockDevice;
    private volatile boolean closed;

    private SparseFile(Path path, int fd, FileChannel channel, boolean writable, boolean blockDevice) {
        this.path = path;
        this.fd = fd;
        this.channel = channel;
        this.writable = writable;
        this.blockDevice = blockDevice;
    }

    /** Opens an existing file for reading only. */
    public static SparseFile openReadOnly(Path path) throws IOException {
        return open(path, Libc.O_RDONLY, false);
    }

    /** Opens an existing file for reading and writing. */
    public static SparseFile openReadWrite(Path path) throws IOException {
        return open(path, Libc.O_RDWR, true);
    }

    /** Creates a new file (fails if it exists) of {@code sizeBytes}, all of it a hole. */
    public static SparseFile create(Path path, long sizeBytes) throws IOException {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + sizeBytes);
        }
        SparseFile file = open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, true);
        try {
            file.setSize(sizeBytes);
            return file;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static SparseFile open(Path path, int flags, boolean writable) throws IOException {
        Path absolute = path.toAbsolutePath();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment name = arena.allocateFrom(absolute.toString());
            fd = (int) Libc.OPEN.invokeExact(capture, name, flags | Libc.O_CLOEXEC, PrivateFiles.FILE_MODE);
            if (fd < 0) {
                throw new DiskIOException(absolute, "open", Libc.errno(capture));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native open failed unexpectedly", t);
        }
        try {
            Path self = Path.of("/proc/self/fd/" + fd);
            FileChannel channel = writable
                    ? FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(self, StandardOpenOption.READ);
            return new SparseFile(absolute, fd, channel, writable, isBlockDevice(absolute));
        } catch (IOException | RuntimeException e) {
            closeDescriptor(absolute, fd);
            throw e;
        }
    }

    private static boolean isBlockDevice(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        return (mode & S_IFMT) == S_IFBLK;
    }

    public Path path() {
        return path;
    }

    /** True for a block device (no sparse information: every byte counts as allocated data). */
    public boolean isBlockDevice() {
        return blockDevice;
    }

    /** The channel on the same inode, for positional I/O. Closed by {@link #close()}: do not close it yourself. */
    public FileChannel channel() {
        return channel;
    }

    public boolean isWritable() {
        return writable;
    }

    /** Size of the file in bytes (holes included), or of the block device. */
    public long size() throws IOException {
        // The JDK asks a block device for its size (BLKGETSIZE64); statx would say 0.
        return blockDevice ? channel.size() : statx(Libc.STATX_SIZE, Libc.STATX_SIZE_OFFSET);
    }

    /** Bytes the file system allocated to the file: st_blocks * 512; all of a block device. */
    public long allocatedBytes() throws IOException {
        return blockDevice ? size() : statx(Libc.STATX_BLOCKS, Libc.STATX_BLOCKS_OFFSET) * 512;
    }

    /**
     * True when the file lives on NFS (fstatfs f_type NFS_SUPER_MAGIC): storage that is not thin-aware, whose
     * replica should be thick.
     */
    public boolean isOnNfs() throws IOException {
        return fileSystemType() == Libc.NFS_SUPER_MAGIC;
    }

    /** The file system's magic number (fstatfs f_type), e.g. 0xEF53 for ext4. */
    public long fileSystemType() throws IOException {
        ensureOpen("fstatfs");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment buffer = arena.allocate(Libc.STATFS_STRUCT_BYTES, 8);
            int rc = (int) Libc.FSTATFS.invokeExact(capture, fd, buffer);
            if (rc != 0) {
                throw new DiskIOException(path, "fstatfs", Libc.errno(capture));
            }
            return buffer.get(JAVA_LONG, Libc.STATFS_TYPE_OFFSET);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("fstatfs", t);
        }
    }

    /** Changes the size of the file; growing adds a hole. */
    public void setSize(long sizeBytes) throws IOException {
        ensureOpen("ftruncate");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc;
            do {
                rc = (int) Libc.FTRUNCATE.invokeExact(capture, fd, sizeBytes);
            } while (rc != 0 && Libc.errno(capture) == Libc.EINTR);
            if (rc != 0) {
                throw new DiskIOException(path, "ftruncate(length=" + sizeBytes + ")", Libc.errno(capture));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("ftruncate", t);
        }
    }

    /**
     * Deallocates {@code [offset, offset + length)}: it reads back as zeros and no longer uses space; the file size
     * does not change (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). Partial blocks at the edges are zeroed.
     */
    public void punchHole(long offset, long length) throws IOException {
        fallocate(Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, "PUNCH_HOLE", offset, length);
    }

    /**
     * Allocates blocks for {@code [offset, offset + length)} ahead of writes, without changing the file size, even
     * past its end (FALLOC_FL_KEEP_SIZE); holes in the range read back as zeros, as before. Later writes there need
     * no block allocation when they are written back. Fails with ENOSPC when the space is not there.
     */
    public void allocate(long offset, long length) throws IOException {
        fallocate(Libc.FALLOC_FL_KEEP_SIZE, "KEEP_SIZE", offset, length);
    }

    /**
     * Makes {@code [offset, offset + length)} read as zeros while keeping its blocks allocated, without writing
     * them (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE): what a thick replica does where a thin one punches a hole.
     * A file system without it fails with EOPNOTSUPP ({@link DiskIOException#isUnsupported()}).
     */
    public void zeroRange(long offset, long length) throws IOException {
        fallocate(Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, "ZERO_RANGE", offset, length);
    }

    private void fallocate(int mode, String modeName, long offset, long length) throws IOException {
        checkRange(offset, length);
        callRetryingInterrupts("fallocate", "fallocate(" + modeName + ", offset=" + offset + ", length=" + length + ")",
                capture -> (int) Libc.FALLOCATE.invokeExact(capture, fd, mode, offset, length));
    }

    /** A libc call that returns 0, or -1 with errno in the captured state. */
    @FunctionalInterface
    private interface ZeroOrErrno {
        int call(MemorySegment capture) throws Throwable;
    }

    /** Runs {@code call} on the open descriptor, again on EINTR; a failure is a {@link DiskIOException} naming {@code description}. */
    private void callRetryingInterrupts(String name, String description, ZeroOrErrno call) throws IOException {
        ensureOpen(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc;
            do {
                rc = call.call(capture);
            } while (rc != 0 && Libc.errno(capture) == Libc.EINTR);
            if (rc != 0) {
                throw new DiskIOException(path, description, Libc.errno(capture));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(name, t);
        }
    }

    /** First offset {@code >= offset} that holds data, or {@link #NO_MORE_DATA} (ENXIO: only holes up to EOF). */
    public long nextData(long offset) throws IOException {
        return seek(offset, Libc.SEEK_DATA, "SEEK_DATA");
    }

    /**
     * First offset {@code >= offset} that starts a hole. The end of the file counts as a hole, so for an offset
     * inside the file the answer is at most {@link #size()}. Returns {@link #NO_MORE_DATA} for an offset at or
     * past the end of the file.
     */
    public long nextHole(long offset) throws IOException {
        return seek(offset, Libc.SEEK_HOLE, "SEEK_HOLE");
    }

    private long seek(long offset, int whence, String whenceName) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        if (blockDevice) {
            // A block device cannot SEEK_DATA/SEEK_HOLE (EINVAL): it is one data extent up to its end.
            long size = size();
            if (offset >= size) {
                return NO_MORE_DATA;
            }
            return whence == Libc.SEEK_DATA ? offset : size;
        }
        ensureOpen("lseek");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            long result = (long) Libc.LSEEK.invokeExact(capture, fd, offset, whence);
            if (result >= 0) {
                return result;
            }
            int errno = Libc.errno(capture);
            if (errno == Libc.ENXIO) {
                return NO_MORE_DATA;
            }
            throw new DiskIOException(path, "lseek(offset=" + offset + ", " + whenceName + ")", errno);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("lseek", t);
        }
    }

    /**
     * The allocated (data) extents that intersect {@code [from, to)}, clipped to it, in file order. Each step
     * is one SEEK_DATA and one SEEK_HOLE; nothing is read. The iterator throws {@link UncheckedIOException}
     * wrapping a {@link DiskIOException} if a seek fails.
     */
    public Iterable<Extent> dataExtents(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("need 0 <= from <= to, got [" + from + ", " + to + ")");
        }
        return () -> new DataExtentIterator(from, to);
    }

    /** Makes written data durable (fdatasync): after it returns, a crash does not lose what was written before. */
    public void fdatasync() throws IOException {
        callRetryingInterrupts("fdatasync", "fdatasync", capture -> (int) Libc.FDATASYNC.invokeExact(capture, fd));
    }

    /**
     * Starts writing back the dirty pages of {@code [offset, offset + length)} and returns without waiting
     * (sync_file_range(SYNC_FILE_RANGE_WRITE)). Durability is not changed: no metadata is written and the device
     * cache is not flushed, so only a later {@link #fdatasync()} (which waits for this writeback) makes the data
     * durable; starting early lets the device write while the caller goes on.
     */
    public void startWriteback(long offset, long length) throws IOException {
        checkRange(offset, length);
        callRetryingInterrupts("sync_file_range", "sync_file_range(WRITE, offset=" + offset + ", length=" + length + ")",
                capture -> (int) Libc.SYNC_FILE_RANGE.invokeExact(capture, fd, offset, length,
                        Libc.SYNC_FILE_RANGE_WRITE));
    }

    /**
     * Asks the kernel to drop the cached pages of {@code [offset, offset + length)} (posix_fadvise DONTNEED):
     * clean pages are dropped, dirty ones start their writeback and stay. For a reader that will not read the
     * range again, such as the tap's sync: a range read through the page cache is kept in large folios, and a
     * guest's later 4 KiB writes into them cost the kernel several times the CPU of writes into small ones
     * (docs/benchmarks.md, "The page cache's state"). Durability is not changed.
     */
    public void dropCachedPages(long offset, long length) throws IOException {
        checkRange(offset, length);
        ensureOpen("posix_fadvise");
        int error;
        try {
            error = (int) Libc.POSIX_FADVISE.invokeExact(fd, offset, length, Libc.POSIX_FADV_DONTNEED);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("posix_fadvise", t);
        }
        if (error != 0) {
            throw new DiskIOException(path, "posix_fadvise(DONTNEED, offset=" + offset + ", length=" + length + ")",
                    error);
        }
    }

    /**
     * For a reader that moves forward through the file and reads nothing twice (a sync, a verify): drops the range it
     * just read from the page cache. The kernel drops a folio only when the range covers it whole, so the range
     * starts at the largest folio's boundary before {@code offset}: the folio this read shares with the previous one
     * goes too. Best-effort: it is only advice, so a failure is counted and logged ({@link PageDropFailures}), never
     * thrown into the sync or verify that asked.
     */
    public void dropPagesReadForward(long offset, long length) {
        dropPagesReadForward(offset, length, PageDropFailures.PROCESS);
    }

    void dropPagesReadForward(long offset, long length, PageDropFailures failures) {
        long from = offset - offset % LARGEST_FOLIO_BYTES;
        try {
            dropCachedPages(from, offset + length - from);
        } catch (IOException e) {
            failures.failed(path, from, offset + length - from, e);
        }
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code position}; fails at EOF instead of returning short. */
    public void readFully(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException("read past end of " + path + " at offset " + at);
            }
            at += n;
        }
    }

    /** Writes all of {@code src} at {@code position} (positional pwrite, looped until complete). */
    public void writeFully(ByteBuffer src, long position) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    /** This file's identity: inode and birth time, or a block device's number; see {@link FileIdentity}. */
    public FileIdentity identity() throws IOException {
        return statx(Libc.STATX_INO, Libc.STATX_BTIME, (buffer, returned) -> {
            if (blockDevice) {
                return new FileIdentity(0, 0, 0, buffer.get(JAVA_INT, Libc.STATX_RDEV_MAJOR_OFFSET),
                        buffer.get(JAVA_INT, Libc.STATX_RDEV_MINOR_OFFSET));
            }
            boolean born = (returned & Libc.STATX_BTIME) != 0;
            return new FileIdentity(buffer.get(JAVA_LONG, Libc.STATX_INO_OFFSET),
                    born ? buffer.get(JAVA_LONG, Libc.STATX_BTIME_OFFSET) : 0,
                    born ? buffer.get(JAVA_INT, Libc.STATX_BTIME_OFFSET + Long.BYTES) : 0, 0, 0);
        });
    }

    private long statx(int mask, long fieldOffset) throws IOException {
        return statx(mask, 0, (buffer, returned) -> buffer.get(JAVA_LONG, fieldOffset));
    }

    /** Reads the fields of struct statx that {@code reader} needs, given which ones the file system returned. */
    @FunctionalInterface
    private interface StatxReader<T> {
        T read(MemorySegment buffer, int returnedMask);
    }

    /** statx asking for {@code required} (missing: an error) and {@code optional} fields. */
    private <T> T statx(int required, int optional, StatxReader<T> reader) throws IOException {
        ensureOpen("statx");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            MemorySegment buffer = arena.allocate(Libc.STATX_STRUCT_BYTES, 8);
            int rc = (int) Libc.STATX.invokeExact(capture, fd, arena.allocateFrom(""), Libc.AT_EMPTY_PATH,
                    required | optional, buffer);
            if (rc != 0) {
                throw new DiskIOException(path, "statx", Libc.errno(capture));
            }
            int returned = buffer.get(JAVA_INT, Libc.STATX_MASK_OFFSET);
            if ((returned & required) != required) {
                throw new IOException("statx on " + path + " did not return the requested field (mask " + required
                        + ")");
            }
            return reader.read(buffer, returned);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("statx", t);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            closeDescriptor(path, fd);
        }
    }

    private static void closeDescriptor(Path path, int fd) throws DiskIOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            // No retry on EINTR: on Linux the descriptor is released even then, and a retry could close a reused one.
            int rc = (int) Libc.CLOSE.invokeExact(capture, fd);
            if (rc != 0 && Libc.errno(capture) != Libc.EINTR) {
                throw new DiskIOException(path, "close", Libc.errno(capture));
            }
        } catch (DiskIOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

    private void ensureOpen(String call) throws DiskIOException {
        if (closed) {
            throw new DiskIOException(path, call + " on a closed file", EBADF);
        }
    }

    private static void checkRange(long offset, long length) {
        if (offset < 0 || length <= 0 || offset + length < 0) {
            throw new IllegalArgumentException("need offset >= 0 and length > 0, got " + offset + "+" + length);
        }
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        return new IllegalStateException("native " + call + " failed unexpectedly", t);
    }

    @Override
    public String toString() {
        return "SparseFile[" + path + "]";
    }

    /** Walks SEEK_DATA / SEEK_HOLE pairs, one extent ahead. */
    private final class DataExtentIterator implements Iterator<Extent> {
        private final long to;
        private long position;
        private Extent next;

        DataExtentIterator(long from, long to) {
            this.position = from;
            this.to = to;
        }

        @Override
        public boolean hasNext() {
            if (next == null && position < to) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public Extent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Extent result = next;
            next = null;
            return result;
        }

        private Extent advance() {
            try {
                long dataStart = nextData(position);
                if (dataStart == NO_MORE_DATA || dataStart >= to) {
                    position = to;
                    return null;
                }
                long holeStart = nextHole(dataStart);
                long end = holeStart == NO_MORE_DATA ? to : Math.min(holeStart, to);
                position = end;
                return new Extent(dataStart, end - dataStart);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
