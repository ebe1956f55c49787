package io.datamover.bench.rpo;

import io.datamover.cli.local.LocalPipeline;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.ShipperStatus;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.tap.replication.ReplicationMode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One write phase on a {@link LocalPipeline}, and the waits around it; shared by {@code bench e2e} and {@code bench rpo}. */
final class PhaseRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PhaseRunner.class);

    private PhaseRunner() {}

    /** One phase, from a caught-up pipeline: fio writes while the sampler runs, then the backlog drains. */
    static PhaseResult run(LocalPipeline pipeline, Workload workload, long diskBytes) throws Exception {
        LOG.info("phase: {} s of {}-byte random writes, {}% compressible, rate {}", workload.seconds(),
                workload.blockSize(), workload.compressiblePercent(),
                workload.rateBytesPerSecond() == 0 ? "unthrottled" : workload.rateBytesPerSecond() + " B/s");
        ShipperStatus shipBefore = shipping(pipeline);
        long appliedBefore = appliedSeq(pipeline);
        RpoSampler sampler = RpoSampler.start(pipeline,
                (int) ((workload.seconds() + 60) * 1000 / (RpoSampler.TICK_MS * RpoSampler.TICKS_PER_SAMPLE)));
        long start = System.nanoTime();
        FioRun.Result fio;
        RpoSampler.Samples samples;
        try {
            fio = FioRun.start(workload, pipeline.nbdUri(EndToEndRun.EXPORT), diskBytes).await(workload.seconds() + 60L);
        } finally {
            samples = sampler.stop();
        }
        long end = System.nanoTime();
        long appliedAtEnd = appliedSeq(pipeline);
        double drain = awaitCaughtUp(pipeline, Duration.ofSeconds(Math.max(120, 4L * workload.seconds())));
        ShipperStatus shipAfter = shipping(pipeline);
        ReplicationMode worst = pipeline.tap().tap().mode().ordinal() > samples.worstTapMode().ordinal()
                ? pipeline.tap().tap().mode() : samples.worstTapMode();
        return new PhaseResult(workload, (end - start) / 1e9, fio.bytesWritten(),
                (appliedAtEnd - appliedBefore) * workload.blockSize(),
                shipAfter.bodyBytesShipped() - shipBefore.bodyBytesShipped(),
                shipAfter.wireBytesOut() - shipBefore.wireBytesOut(),
                shipAfter.coalescedBytes() - shipBefore.coalescedBytes(), worst, samples.pipeline(),
                samples.endToEnd(), samples.slowestTenth(), drain, samples.endToEndSeries());
    }

    /** Seconds until the target applied the tap's last write; NaN on timeout or once the tap is in BITMAP mode. */
    static double awaitCaughtUp(LocalPipeline pipeline, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!pipeline.caughtUp()) {
            if (System.nanoTime() > deadline || pipeline.tap().tap().mode() == ReplicationMode.BITMAP) {
                return Double.NaN;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static ShipperStatus shipping(LocalPipeline pipeline) {
        return pipeline.sourceStatus().map(SourceGroupStatus::shipping)
                .orElseThrow(() -> new IllegalStateException("the source gateway does not know the group yet"));
    }

    static long appliedSeq(LocalPipeline pipeline) {
        return pipeline.targetStatus().map(ConsistencyGroupStatus::appliedSeq).orElse(0L);
    }
}
