package io.datamover.tap.sync;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the runs of 4 KiB blocks of a buffer that hold a non-zero byte: only those are worth sending to a replica
 * that starts as an empty sparse file (thin stays thin).
 */
final class ZeroBlocks {

    static final int BLOCK_BYTES = 4096;
    private static final ByteBuffer ZERO_BLOCK = ByteBuffer.allocateDirect(BLOCK_BYTES).asReadOnlyBuffer();

    /** A run {@code [offset, offset + length)} of the buffer, in bytes from its start. */
    record Run(int offset, int length) {
    }

    private ZeroBlocks() {
    }

    /** True when every byte of {@code data} (from its position to its limit) is zero. */
    static boolean isAllZero(ByteBuffer data) {
        ByteBuffer rest = data.slice();
        for (int at = 0; at < rest.limit(); at += BLOCK_BYTES) {
            int length = Math.min(BLOCK_BYTES, rest.limit() - at);
            if (rest.slice(at, length).mismatch(ZERO_BLOCK.slice(0, length)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The maximal runs of non-zero blocks of {@code data} (from index 0 to its limit), in order. The last block
     * may be shorter than 4 KiB (the end of a disk).
     */
    static List<Run> nonZeroRuns(ByteBuffer data) {
        List<Run> runs = new ArrayList<>();
        int limit = data.limit();
        int runStart = -1;
        for (int block = 0; block < limit; block += BLOCK_BYTES) {
            int length = Math.min(BLOCK_BYTES, limit - block);
            boolean zero = data.slice(block, length).mismatch(ZERO_BLOCK.slice(0, length)) < 0;
            if (!zero && runStart < 0) {
                runStart = block;
            } else if (zero && runStart >= 0) {
                runs.add(new Run(runStart, block - runStart));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            runs.add(new Run(runStart, limit - runStart));
        }
        return runs;
    }
}
