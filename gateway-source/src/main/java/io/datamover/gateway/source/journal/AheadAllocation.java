package io.datamover.gateway.source.journal;

import io.datamover.disk.DiskIOException;
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
 * space past the last entry of the current cycle file, given back when the appender leaves it ({@link #leave}).
 *
 * <p>It is also what makes a full disk a clean refusal: Chronicle writes an entry's header and its index through
 * its mapping, and a store into a page the file system cannot allocate is a SIGBUS (tmpfs), not an error. So when
 * the step ahead does not fit, the entry and {@link #MIN_AHEAD_BYTES} past it must, or the append is refused with
 * ENOSPC before anything is written.
 */
final class AheadAllocation {
    private static final Logger log = LoggerFactory.getLogger(AheadAllocation.class);
    /** Blocks kept allocated past the write position; allocated again when less than half is left. */
    static final long AHEAD_BYTES = 16L << 20;
    /** Allocated past an entry at least, for Chronicle's next header and index pages. */
    static final long MIN_AHEAD_BYTES = 256L << 10;

    private int cycle = Integer.MIN_VALUE;
    private long allocatedTo;
    /** End of the last entry reserved in the current cycle. */
    private long reservedTo;
    private boolean failed;

    /** The cycle whose file the blocks ahead are allocated in, if any. */
    int cycle() {
        return cycle;
    }

    /**
     * The appender left the current cycle, whose file is {@code file}: gives back the blocks allocated past its last
     * entry (all but {@link #MIN_AHEAD_BYTES}, where Chronicle ends the file). Without this every cycle file kept up
     * to {@link #AHEAD_BYTES} allocated and unwritten until deleted: with the target away for many cycles (or short
     * cycles), far more than the journal's bound, and a full disk.
     */
    void leave(SparseFile file) {
        long from = ((reservedTo + MappedMemory.PAGE_BYTES - 1) & -MappedMemory.PAGE_BYTES) + MIN_AHEAD_BYTES;
        if (!failed && allocatedTo > from) {
            try {
                file.punchHole(from, allocatedTo - from);
            } catch (IOException e) {
                log.warn("journal: cannot give back the blocks allocated ahead in {}: {}", file.path(), e.getMessage());
            }
        }
        cycle = Integer.MIN_VALUE;
        allocatedTo = 0;
        reservedTo = 0;
    }

    /**
     * Makes sure the blocks of an entry about to be written at {@code [start, end)} are allocated, and those up
     * to {@code AHEAD_BYTES / 2} past it (only {@link #MIN_AHEAD_BYTES} when the disk is nearly full).
     *
     * @throws IOException ENOSPC (or EDQUOT) when the disk has no room for the entry: nothing may be written
     */
    void ensure(SparseFile file, int currentCycle, long start, long end) throws IOException {
        if (currentCycle != cycle) {
            cycle = currentCycle;
            allocatedTo = 0;
            failed = false;
        }
        reservedTo = Math.max(reservedTo, end);
        if (failed || end + AHEAD_BYTES / 2 <= allocatedTo) {
            return;
        }
        long from = Math.max(allocatedTo, start & -MappedMemory.PAGE_BYTES);
        try {
            allocateTo(file, from, end + AHEAD_BYTES);
        } catch (DiskIOException e) {
            if (!e.isOutOfSpace()) {
                fallBack(file, e);
            } else if (end + MIN_AHEAD_BYTES > allocatedTo) {
                allocateTo(file, from, end + MIN_AHEAD_BYTES); // nearly full: what this entry needs, or refuse it
            }
        } catch (IOException e) {
            fallBack(file, e);
        }
    }

    private void allocateTo(SparseFile file, long from, long to) throws IOException {
        file.allocate(from, to - from);
        allocatedTo = to;
    }

    /** Any failure but a full disk (e.g. fallocate not supported): only an optimisation lost, writeback allocates. */
    private void fallBack(SparseFile file, IOException e) {
        failed = true;
        log.warn("journal: cannot allocate ahead in {}, writeback allocates instead: {}", file.path(), e.getMessage());
    }
}
