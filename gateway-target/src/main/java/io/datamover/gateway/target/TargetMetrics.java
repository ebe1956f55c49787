package io.datamover.gateway.target;

import io.datamover.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The target gateway's meters: refusals by error code for the gateway, the rest per consistency group. */
final class TargetMetrics {
    private final MeterRegistry registry;

    TargetMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    /** A frame, handshake or batch refused with {@code code}, or a failure reported to the source with it. */
    void rejected(ErrorCode code) {
        Counter.builder("datamover.target.rejected").tag("code", code.name())
                .description("connections closed with an ERROR, by code").register(registry).increment();
    }

    /** The meters of one consistency group; gauges read {@code group} when scraped. */
    Group group(int cgId, ConsistencyGroupTarget group) {
        return new Group(Integer.toUnsignedString(cgId), group);
    }

    final class Group {
        final Counter batchesReceived;
        final Counter bytesReceived;
        final Counter duplicates;
        final Counter applyFailures;
        final Counter readPauses;
        final Timer applyLag;
        private final List<Meter> gauges = new ArrayList<>();

        private Group(String cg, ConsistencyGroupTarget group) {
            batchesReceived = counter("datamover.target.batches.received", cg, "batches verified and spooled");
            bytesReceived = Counter.builder("datamover.target.bytes.received").tag("cg", cg).baseUnit("bytes")
                    .description("batch body bytes verified and spooled, as received (compressed or not)")
                    .register(registry);
            duplicates = counter("datamover.target.batches.duplicate", cg,
                    "batches received again that were already held, acknowledged and ignored");
            applyFailures = counter("datamover.target.apply.failures", cg,
                    "batches the applier refused or could not write; applying stopped");
            readPauses = counter("datamover.target.read.pauses", cg,
                    "times reading from the source paused because the spool budget was full");
            applyLag = Timer.builder("datamover.target.apply.lag").tag("cg", cg)
                    .description("time from a batch being spooled (DURABLE) to being applied (APPLIED)")
                    .register(registry);
            gauge("datamover.target.spool.bytes", cg, group, g -> g.budget().spooledBytes(),
                    "bytes spooled and not yet applied");
            gauge("datamover.target.applied.seq", cg, group, ConsistencyGroupTarget::appliedSeq,
                    "highest seq applied and durable on the replicas");
            gauge("datamover.target.consistent.seq", cg, group, g -> g.applyLoop().consistentSeq(),
                    "applied seq of the last consistent image the replicas can give back, -1 when none");
            gauge("datamover.target.undo.bytes", cg, group, g -> g.applyLoop().undoLogBytes(),
                    "bytes of the undo log keeping the consistent image during a resync");
            gauge("datamover.target.epoch", cg, group, ConsistencyGroupTarget::highestEpoch,
                    "highest epoch of the source site's gateway group admitted for the group (0: not coordinated)");
            gauge("datamover.pair.diverged", cg, group, g -> g.generationRefusal() == null ? 0 : 1,
                    "1 while the group's source is refused as DIVERGED or UNRELATED (their generation histories "
                            + "disagree)");
        }

        private Counter counter(String name, String cg, String description) {
            return Counter.builder(name).tag("cg", cg).description(description).register(registry);
        }

        private void gauge(String name, String cg, ConsistencyGroupTarget group,
                ToDoubleFunction<ConsistencyGroupTarget> value, String description) {
            gauges.add(Gauge.builder(name, group, value).tag("cg", cg).description(description)
                    .strongReference(true).register(registry));
        }

        /** Drops the gauges, which read a group that is closing (a reopened group registers its own). */
        void close() {
            gauges.forEach(registry::remove);
        }
    }
}
