package io.datamover.gateway.source.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Makes the cycle file being appended durable with fdatasync, keeping the file open until the cycle changes. Used by
 * one thread at a time: the journal's sync thread, or the owner thread in {@code Journal.sync()} once the sync
 * thread's last sync is done (the handover is {@link SyncThread}'s future).
 *
 * <p>Why not only Chronicle's {@code ExcerptAppender.sync()}: in Chronicle Queue 2026.4 it msyncs
 * the current mapped chunk from a forward-only watermark up to the write position, so pages
 * behind the watermark that Chronicle rewrites (its index arrays, the file header) and the tail
 * of a previous chunk are not covered. fdatasync covers every dirty page of the file, including
 * those dirtied through the shared mapping (Linux writes mapped dirty pages back on fsync).
 */
final class CycleFileSync implements AutoCloseable {
    private final CycleFileHandle handle = new CycleFileHandle();

    /**
     * fdatasyncs the file of {@code currentCycle} ({@code currentFile} is asked for it only when the cycle
     * changed); returns true when it is a file not synced before (its name needs a directory fsync).
     */
    boolean force(int currentCycle, Supplier<File> currentFile) {
        boolean newFile = !handle.holds(currentCycle);
        try {
            handle.file(currentCycle, currentFile).fdatasync();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fdatasync the journal file " + handle.file(), e);
        }
        return newFile;
    }

    /** Whether the file open is the file of {@code currentCycle} (then {@link #force} needs no file). */
    boolean holds(int currentCycle) {
        return handle.holds(currentCycle);
    }

    @Override
    public void close() {
        handle.close();
    }
}
