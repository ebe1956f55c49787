package io.datamover.tap.replication;

/**
 * How a consistency group replicates, at the tap. Only the transitions the tap itself makes exist so far;
 * the way back from BITMAP (a resync of dirty regions) comes with the gateway sender.
 */
public enum ReplicationMode {
    /** Every record is offered to the sink in seq order. */
    STREAMING,
    /** The sink refused a record or a local write failed: records are no longer offered, dirty bits are kept. */
    BITMAP;

    /** The one place that says which changes are allowed. */
    boolean canMoveTo(ReplicationMode next) {
        return this == next || (this == STREAMING && next == BITMAP);
    }
}
