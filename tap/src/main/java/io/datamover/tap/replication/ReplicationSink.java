package io.datamover.tap.replication;

import io.datamover.protocol.WriteRecord;
import java.util.List;

/**
 * Where the tap hands intercepted writes, after the guest has its reply: in production the
 * {@link io.datamover.tap.sender.GatewaySender}, which streams them to the source gateway. Until the
 * gateway acknowledges a record, the tap keeps its regions dirty.
 */
@FunctionalInterface
public interface ReplicationSink {

    /**
     * Offers the next record of its consistency group. Records come in seq order, one call at a time per group.
     * Must not block: take the record into a bounded window or refuse it.
     *
     * <p>The sink takes ownership of {@code record} in every case: it releases it once sent, or at once when it
     * refuses (window full, gateway down), and the tap then switches the group to bitmap mode. A sink that throws
     * is treated as refusing and must still have released the record.
     *
     * @return true if the record was taken for sending
     */
    boolean offer(WriteRecord record);

    /** The most payload memory the sink holds in records not yet acknowledged (its window); 0 when it keeps none. */
    default long windowBytes() {
        return 0;
    }

    /**
     * The group's disks have grown to {@code sizes} (bytes of disk i at index i) while the tap serves them, and records
     * past the old ends may come next: from now on the sink must carry none where only the old sizes were declared
     * (the gateway sender drops its connection, so the next one's HELLO declares the new sizes). Called before any
     * such record, by one thread at a time; may wait for the connection to close. Nothing to do by default.
     */
    default void disksGrown(List<Long> sizes) {
    }

    /** A sink that refuses everything: the tap runs in bitmap mode from the first write. */
    ReplicationSink REFUSE_ALL = record -> {
        record.release();
        return false;
    };
}
