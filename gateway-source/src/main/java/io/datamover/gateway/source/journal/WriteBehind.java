package io.datamover.gateway.source.journal;

import io.datamover.disk.MappedMemory;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the writeback of the cycle file's complete pages behind the appender, a step at a time, while the group is
 * still being appended (sync_file_range(SYNC_FILE_RANGE_WRITE), which does not wait). Owner thread only.
 *
 * <p>Why: otherwise every page of a group waits for the group's fdatasync to be submitted, and the device is idle
 * while the owner appends. Started early, the device writes during the appends and the fdatasync is left with the
 * last pages, the header page, the inode and the cache flush. The fdatasync stays the only durability point: it
 * waits for this writeback too, and writes the metadata and flushes the device cache, which this does not.
 */
final class WriteBehind {
    private static final Logger log = LoggerFactory.getLogger(WriteBehind.class);
    /**
     * Complete pages gathered before their writeback is started: 4 per 1 MiB group. Measured against 0 (none), one
     * record (64 KiB: a syscall per append, no better than none), 512 KiB and 1 MiB (see docs/benchmarks.md).
     */
    static final long STEP_BYTES = 256 << 10;

    private int cycle = Integer.MIN_VALUE;
    private long startedTo;
    private boolean failed;

    /**
     * Called when an entry starts at {@code entryStart}: the pages wholly before it are complete (Chronicle still
     * completes the entry's header, in the page holding {@code entryStart}, once its payload is in).
     */
    void entryStarting(SparseFile file, int currentCycle, long entryStart) {
        long complete = entryStart & -MappedMemory.PAGE_BYTES;
        if (currentCycle != cycle) {
            cycle = currentCycle;
            startedTo = complete; // the pages before, Chronicle's header among them, are left to the fdatasync
            failed = false;
        }
        if (failed || complete - startedTo < STEP_BYTES) {
            return;
        }
        try {
            file.startWriteback(startedTo, complete - startedTo);
            startedTo = complete;
        } catch (IOException e) {
            // Only an optimisation: the fdatasync writes these pages anyway, and reports a real I/O error itself.
            failed = true;
            log.warn("journal: cannot start writeback in {}, the syncs write it all: {}", file.path(), e.getMessage());
        }
    }
}
