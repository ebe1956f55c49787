package io.datamover.tap.replication;

/**
 * How a consistency group replicates, at the tap: the one mode the tap has, shown by {@code status} and the gauges
 * {@code datamover.tap.replication.bitmap.mode} and {@code .resyncing}. STREAMING and RESYNCING fall to BITMAP when
 * records cannot be streamed; a sync (the initial one from STREAMING, the resync of dirty regions from BITMAP) runs in
 * RESYNCING and ends in STREAMING. The operator's pause puts any mode in PAUSED, which nothing but the operator's
 * resume leaves (to BITMAP, whose resync brings the group back). {@link #after} is the one place that decides a change.
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
    BITMAP,
    /**
     * The operator paused replication ({@code datamover pause}): as in BITMAP, records are not offered and dirty bits
     * are kept, but no resync starts until the operator resumes; a lost stream changes nothing here.
     */
    PAUSED;

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
        REPLICATION_LOST,
        /** The operator paused replication. */
        PAUSE_REQUESTED,
        /** The operator resumed replication: the dirty regions kept meanwhile are resynced as after BITMAP. */
        RESUME_REQUESTED
    }

    /** True when records are offered to the sink. */
    public boolean streams() {
        return this != BITMAP && this != PAUSED;
    }

    /**
     * The mode after {@code event}: this one when the event changes nothing here (a sync that ends after the group
     * fell to BITMAP, an initial sync that cannot start in BITMAP, a loss already known, anything but a resume while
     * PAUSED).
     */
    ReplicationMode after(Event event) {
        return switch (event) {
            case INITIAL_SYNC_STARTED -> this == STREAMING ? RESYNCING : this;
            case RESYNC_STARTED -> this == BITMAP ? RESYNCING : this;
            case SYNC_ENDED -> this == RESYNCING ? STREAMING : this;
            case NOT_STREAMED, REPLICATION_LOST -> this == PAUSED ? PAUSED : BITMAP;
            case PAUSE_REQUESTED -> PAUSED;
            case RESUME_REQUESTED -> this == PAUSED ? BITMAP : this;
        };
    }
}
