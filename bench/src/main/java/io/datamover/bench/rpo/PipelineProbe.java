package io.datamover.bench.rpo;

import io.datamover.tap.replication.ReplicationMode;
import java.util.Optional;

/**
 * What the benches read of a running pipeline while they measure: each component's seqs, the tap's mode, the
 * shipper's byte counters. {@link LocalPipelineProbe} reads them in process ({@code bench e2e}), {@link AdminProbe}
 * over the daemons' admin ports ({@code bench rpo}).
 */
interface PipelineProbe {
    /** Where an NBD client attaches the bench's export. */
    String nbdUri();

    /** The tap's replication mode and the last seq it ordered. */
    TapReading tap();

    /** The target's held and applied seqs; zeros before the source has connected. */
    TargetReading target();

    /** The source gateway's view of the group, once the tap has connected. */
    Optional<SourceReading> source();

    /** The source gateway's shipping counters so far (zeros before the tap has connected). */
    ShipCounters shipped();

    /** True when the target has applied every write the tap ordered and its replica is UP_TO_DATE. */
    default boolean caughtUp() {
        long last = tap().lastSeq();
        TargetReading target = target();
        return target.upToDate() && target.appliedSeq() == last;
    }

    record TapReading(ReplicationMode mode, long lastSeq) {}

    /**
     * @param heldSeq highest seq the target holds durably (spooled)
     * @param upToDate every replica of the group is UP_TO_DATE and applying has not stopped
     */
    record TargetReading(long heldSeq, long appliedSeq, boolean upToDate) {
        static final TargetReading NONE = new TargetReading(0, 0, false);
    }

    /**
     * @param durableSeq highest seq durable in the source journal
     * @param rpoSeconds the source gateway's own RPO: the age of its oldest durable record the target has not applied
     */
    record SourceReading(long durableSeq, double rpoSeconds) {}

    /**
     * @param bodyBytes record bytes shipped, after coalescing, before compression
     * @param wireBytes batch frame bytes sent to the target
     * @param coalescedBytes body bytes of writes dropped because later writes of their batch covered them
     */
    record ShipCounters(long bodyBytes, long wireBytes, long coalescedBytes) {
        static final ShipCounters NONE = new ShipCounters(0, 0, 0);

        ShipCounters minus(ShipCounters before) {
            return new ShipCounters(bodyBytes - before.bodyBytes, wireBytes - before.wireBytes,
                    coalescedBytes - before.coalescedBytes);
        }
    }
}
