package io.datamover.applier;

import io.datamover.protocol.BlockWrite;
import java.util.Arrays;

/**
 * What a thin replica of one disk must hold after a sequence of writes, computed in plain Java: its bytes,
 * and which 4 KiB blocks may still be allocated (written with non-zero data and not punched whole since).
 */
final class ReferenceReplica {
    static final int BLOCK = 4096;

    final byte[] bytes;
    private final boolean[] maybeAllocated;

    ReferenceReplica(int sizeBytes) {
        bytes = new byte[sizeBytes];
        maybeAllocated = new boolean[sizeBytes / BLOCK];
    }

    void apply(BlockWrite e) {
        int offset = Math.toIntExact(e.offset());
        if (!e.kind().hasPayload()) {
            Arrays.fill(bytes, offset, offset + e.length(), (byte) 0);
            forgetWholeBlocks(offset, offset + e.length());
            return;
        }
        e.payload().getBytes(e.payload().readerIndex(), bytes, offset, e.length());
        for (int at = offset; at < offset + e.length(); ) {
            int end = Math.min(offset + e.length(), (at / BLOCK + 1) * BLOCK);
            if (isZero(at, end)) {
                forgetWholeBlocks(at, end);
            } else {
                maybeAllocated[at / BLOCK] = true;
            }
            at = end;
        }
    }

    /** Upper bound of the bytes a thin replica allocates for data (file system metadata aside). */
    long maxAllocatedBytes() {
        long n = 0;
        for (boolean b : maybeAllocated) {
            n += b ? BLOCK : 0;
        }
        return n;
    }

    /** Lower bound: every block holding a non-zero byte is allocated. */
    long minAllocatedBytes() {
        long n = 0;
        for (int block = 0; block < maybeAllocated.length; block++) {
            n += isZero(block * BLOCK, (block + 1) * BLOCK) ? 0 : BLOCK;
        }
        return n;
    }

    private void forgetWholeBlocks(int from, int to) {
        for (int block = (from + BLOCK - 1) / BLOCK; (block + 1) * BLOCK <= to; block++) {
            maybeAllocated[block] = false;
        }
    }

    private boolean isZero(int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
