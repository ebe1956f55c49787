package io.datamover.tap.replication;

/**
 * How a consistency group replicates, at the tap: the one mode the tap has, shown by {@code status} and the gauges
 * {@code datamover.tap.replication.bitmap.mode} and {@code .resyncing}. STREAMING and RESYNCING fall to BITMAP when
 * records cannot be streamed; a sync (the initial one from STREAMING, the resync of dirty regions from BITMAP) runs in
 * RESYNCING and ends in STREAMING. {@link #after} is the one place that decides a change.
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

    /** What moves a group from one mode to another. */
    enum Event {
        /** The initial sync of newly protected disks starts. */
        INITIAL_SYNC_STARTED,
        /** The resync of the dirty regions starts, its seqs re-based on the gateway's restart point. */
        RESYNC_STARTED,
        /** The gateway acknowledged the last SYNC_END of a sync. */
        SYNC_ENDED,
        /** A record could not be streamed: the sink refused it, the record window was full, the local write failed. */
        NOT_STREAMED,
        /** Replication stopped below the group: the sender's stream broke, or a sync failed. */
        REPLICATION_LOST
    }

    /** True when records are offered to the sink. */
    public boolean streams() {
        return this != BITMAP;
    }

    /**
     * The mode after {@code event}: this one when the event changes nothing here (a sync that ends after the group
     * fell to BITMAP, an initial sync that cannot start in BITMAP, a loss already known).
     */
    ReplicationMode after(Event event) {
        return switch (event) {
            case INITIAL_SYNC_STARTED -> this == STREAMING ? RESYNCING : this;
            case RESYNC_STARTED -> this == BITMAP ? RESYNCING : this;
            case SYNC_ENDED -> this == RESYNCING ? STREAMING : this;
            case NOT_STREAMED, REPLICATION_LOST -> BITMAP;
        };
    }
}
