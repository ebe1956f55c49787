package io.datamover.tap.replication;

/**
 * Where the tap hands intercepted writes, after the guest has its reply. The real sink (phase 2) streams records
 * to the source gateway; until the gateway acknowledges a record, the tap keeps its regions dirty.
 */
@FunctionalInterface
public interface ReplicationSink {

    /**
     * Offers the next record of its consistency group. Records come in seq order, one call at a time per group.
     * Must not block: enqueue into a bounded window or refuse.
     *
     * <p>Ownership of {@code record.payload()}: when this returns {@code true} the sink owns the payload and must
     * release it once sent; when it returns {@code false} (window full, gateway down) the caller keeps ownership and
     * releases it, and the tap switches the group to bitmap mode. A sink that throws is treated as refusing.
     *
     * @return true if the record was taken
     */
    boolean offer(WriteRecord record);

    /** A sink that refuses everything: the tap runs in bitmap mode from the first write. */
    ReplicationSink REFUSE_ALL = record -> false;
}
