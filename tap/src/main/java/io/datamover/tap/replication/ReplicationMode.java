package io.datamover.tap.replication;

/**
 * How a consistency group replicates, at the tap: STREAMING and RESYNCING fall to BITMAP when records cannot be
 * streamed; a sync (the initial one from STREAMING, the resync of dirty regions from BITMAP) runs in RESYNCING and
 * ends in STREAMING.
 */
public enum ReplicationMode {
    /** Every record is offered to the sink in seq order. */
    STREAMING,
    /**
     * Records are offered as in STREAMING, and a syncer copies regions (the initial sync of new disks, or the dirty
     * regions after bitmap mode) through the same ordered stream; the replica disks being synced are INCONSISTENT
     * until their SYNC_END is applied.
     */
    RESYNCING,
    /** The sink refused a record or a local write failed: records are no longer offered, dirty bits are kept. */
    BITMAP;

    /** True when records are offered to the sink. */
    public boolean streams() {
        return this != BITMAP;
    }

    /** The one place that says which changes are allowed. */
    boolean canMoveTo(ReplicationMode next) {
        return this == next
                || (this == STREAMING && (next == BITMAP || next == RESYNCING))
                || (this == RESYNCING && (next == BITMAP || next == STREAMING))
                || (this == BITMAP && next == RESYNCING);
    }
}
