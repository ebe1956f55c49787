package io.datamover.tap.sync;

/** What the tap does when it first protects a disk (the disk has no dirty bitmap yet). */
public enum InitialSync {
    /**
     * Copy the disk to the replica through the ordered stream: SYNC_BEGIN, the non-zero blocks of its allocated
     * extents, SYNC_END. The replica starts as an empty sparse file, so holes and zero blocks need nothing.
     */
    AUTO,
    /**
     * The operator asserts that the replica already equals the source (both blank, say): only SYNC_BEGIN and
     * SYNC_END are sent.
     */
    SKIP
}
