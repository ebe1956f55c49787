package io.datamover.disk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Advice to the kernel about memory-mapped file ranges the JVM (or a library such as Chronicle) mapped. */
public final class MappedMemory {
    /** The kernel's page size on the platforms this project targets (x86_64, aarch64 with 4 KiB pages). */
    public static final long PAGE_BYTES = 4096;

    private MappedMemory() {
    }

    /**
     * madvise(MADV_RANDOM): page faults in {@code [address, address + length)} read only the faulting page,
     * without read-around into large folios. {@code address} must be page-aligned.
     */
    public static void adviseRandomAccess(long address, long length) throws IOException {
        if (address % PAGE_BYTES != 0 || length < 0) {
            throw new IllegalArgumentException("madvise needs a page-aligned address and a length >= 0, got "
                    + Long.toHexString(address) + " and " + length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.captureState(arena);
            int rc = (int) Libc.MADVISE.invokeExact(capture, address, length, Libc.MADV_RANDOM);
            if (rc != 0) {
                throw new IOException("madvise(MADV_RANDOM) of " + length + " bytes at " + Long.toHexString(address)
                        + " failed: " + Libc.describe(Libc.errno(capture)));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }
}
