package io.datamover.gateway.source.journal;

import io.datamover.disk.MappedMemory;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the blocks ahead of the appender allocated in the current cycle file (fallocate, size unchanged), a step
 * at a time, so that the fdatasync of a group writes into blocks the file already owns. Owner thread only.
 *
 * <p>Why: Chronicle's cycle file is sparse, so without it the group's blocks are allocated when the fdatasync
 * writes them back (ext4 delayed allocation), on the sync's critical path. fio's sequential write, the reference,
 * lays its file out with fallocate the same way. Allocated blocks not yet written read back as zeros, as the hole
 * did, so Chronicle and recovery see the same file. Cost: at most {@link #AHEAD_BYTES} of allocated, unwritten
 * space past the last entry of each cycle file, freed with the file.
 */
final class AheadAllocation {
    private static final Logger log = LoggerFactory.getLogger(AheadAllocation.class);
    /** Blocks kept allocated past the write position; allocated again when less than half is left. */
    static final long AHEAD_BYTES = 16L << 20;

    private int cycle = Integer.MIN_VALUE;
    private long allocatedTo;
    private boolean failed;

    /**
     * Makes sure the blocks of an entry about to be written at {@code [start, end)} are allocated, and those up
     * to at least {@code AHEAD_BYTES / 2} past it.
     */
    void ensure(SparseFile file, int currentCycle, long start, long end) {
        if (currentCycle != cycle) {
            cycle = currentCycle;
            allocatedTo = 0;
            failed = false;
        }
        if (failed || end + AHEAD_BYTES / 2 <= allocatedTo) {
            return;
        }
        long from = Math.max(allocatedTo, start & -MappedMemory.PAGE_BYTES);
        long to = end + AHEAD_BYTES;
        try {
            file.allocate(from, to - from);
            allocatedTo = to;
        } catch (IOException e) {
            // Only an optimisation: appends still work (writeback allocates), and ENOSPC shows up there if real.
            failed = true;
            log.warn("journal: cannot allocate ahead in {}, writeback allocates instead: {}", file.path(),
                    e.getMessage());
        }
    }
}
