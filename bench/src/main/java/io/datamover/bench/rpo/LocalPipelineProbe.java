package io.datamover.bench.rpo;

import io.datamover.applier.ReplicaState;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.ShipperStatus;
import java.util.Optional;

/** Reads a {@link LocalPipeline} (all three components in this JVM) through its objects. */
final class LocalPipelineProbe implements PipelineProbe {
    private final LocalPipeline pipeline;

    LocalPipelineProbe(LocalPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public String nbdUri() {
        return pipeline.nbdUri(EndToEndRun.EXPORT);
    }

    @Override
    public TapReading tap() {
        return new TapReading(pipeline.tap().tap().mode(), pipeline.tap().tap().lastSeq());
    }

    @Override
    public TargetReading target() {
        return pipeline.targetStatus().map(s -> new TargetReading(s.heldSeq(), s.appliedSeq(),
                s.failure().isEmpty() && s.groupState().equals(ReplicaState.UP_TO_DATE.name())))
                .orElse(TargetReading.NONE);
    }

    @Override
    public Optional<SourceReading> source() {
        return shipping().map(s -> new SourceReading(s.durableSeq(), s.rpoSeconds()));
    }

    @Override
    public ShipCounters shipped() {
        return shipping().map(s -> new ShipCounters(s.bodyBytesShipped(), s.wireBytesOut(), s.coalescedBytes()))
                .orElse(ShipCounters.NONE);
    }

    private Optional<ShipperStatus> shipping() {
        return pipeline.sourceStatus().map(SourceGroupStatus::shipping);
    }
}
