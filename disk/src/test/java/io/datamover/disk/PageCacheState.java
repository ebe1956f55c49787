package io.datamover.disk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** The page cache's view of a file range, from the cachestat syscall (Linux 6.5+), for tests. */
final class PageCacheState {
    /** cachestat's number in the generic syscall table, the same on x86_64 and aarch64. */
    private static final long SYS_CACHESTAT = 451;
    /** struct cachestat: nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted (u64 each). */
    private static final long NR_CACHE_OFFSET = 0;
    private static final long NR_DIRTY_OFFSET = 8;
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1));

    private PageCacheState() {
    }

    /** Pages of {@code [offset, offset + length)} that are dirty in the page cache (not yet written back). */
    static long dirtyPages(Path path, long offset, long length) throws IOException {
        return cachestat(path, offset, length, NR_DIRTY_OFFSET);
    }

    /** Pages of {@code [offset, offset + length)} in the page cache, clean or dirty. */
    static long cachedPages(Path path, long offset, long length) throws IOException {
        return cachestat(path, offset, length, NR_CACHE_OFFSET);
    }

    private static long cachestat(Path path, long offset, long length, long field) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) Libc.OPEN.invokeExact(Libc.captureState(arena), arena.allocateFrom(path.toString()),
                    Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("cannot open " + path);
            }
            try {
                MemorySegment range = arena.allocate(JAVA_LONG, 2);
                range.setAtIndex(JAVA_LONG, 0, offset);
                range.setAtIndex(JAVA_LONG, 1, length);
                MemorySegment stat = arena.allocate(JAVA_LONG, 5);
                long rc = (long) SYSCALL.invokeExact(SYS_CACHESTAT, fd, range, stat, 0);
                if (rc != 0) {
                    throw new IOException("cachestat failed for " + path);
                }
                return stat.get(JAVA_LONG, field);
            } finally {
                int closed = (int) Libc.CLOSE.invokeExact(Libc.captureState(arena), fd);
                assert closed == 0;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cachestat of " + path, t);
        }
    }
}
