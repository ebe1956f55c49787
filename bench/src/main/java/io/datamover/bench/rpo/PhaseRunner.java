package io.datamover.bench.rpo;

import io.datamover.tap.replication.ReplicationMode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One write phase on a pipeline seen through its {@link PipelineProbe}, and the waits around it; shared by {@code bench e2e} and {@code bench rpo}. */
final class PhaseRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PhaseRunner.class);

    private PhaseRunner() {}

    /** One phase, from a caught-up pipeline: fio writes while the sampler runs, then the backlog drains. */
    static PhaseResult run(PipelineProbe pipeline, Workload workload, long diskBytes) throws Exception {
        LOG.info("phase: {} s of {}-byte random writes, {}% compressible, rate {}", workload.seconds(),
                workload.blockSize(), workload.compressiblePercent(),
                workload.rateBytesPerSecond() == 0 ? "unthrottled" : workload.rateBytesPerSecond() + " B/s");
        PipelineProbe.ShipCounters shipBefore = pipeline.shipped();
        long appliedBefore = pipeline.target().appliedSeq();
        RpoSampler sampler = RpoSampler.start(pipeline,
                (int) ((workload.seconds() + 60) * 1000 / RpoSampler.SAMPLE_MS));
        long start = System.nanoTime();
        FioRun.Result fio;
        RpoSampler.Samples samples;
        try {
            fio = FioRun.start(workload, pipeline.nbdUri(), diskBytes).await(workload.seconds() + 60L);
        } finally {
            samples = sampler.stop();
        }
        long end = System.nanoTime();
        long appliedAtEnd = pipeline.target().appliedSeq();
        double drain = awaitCaughtUp(pipeline, Duration.ofSeconds(Math.max(120, 4L * workload.seconds())));
        PipelineProbe.ShipCounters shipped = pipeline.shipped().minus(shipBefore);
        ReplicationMode modeNow = pipeline.tap().mode();
        ReplicationMode worst = modeNow.ordinal() > samples.worstTapMode().ordinal() ? modeNow : samples.worstTapMode();
        return new PhaseResult(workload, (end - start) / 1e9, fio.bytesWritten(),
                (appliedAtEnd - appliedBefore) * workload.blockSize(), shipped.bodyBytes(), shipped.wireBytes(),
                shipped.coalescedBytes(), worst, samples.pipeline(),
                samples.endToEnd(), samples.slowestTenth(), drain, samples.endToEndSeries(), fio.latency());
    }

    /**
     * Seconds until the target applied the tap's last write, NaN on timeout. A tap in BITMAP mode is waited for: it
     * resyncs by itself once the guest stops, and the phase's worst tap mode tells the reader the drain included it.
     */
    static double awaitCaughtUp(PipelineProbe pipeline, Duration timeout) {
        return await(pipeline::caughtUp, timeout);
    }

    /**
     * Waits until the tap streams again (no bitmap mode, no resync) and the target applied its last write; throws
     * past {@code timeout}. After a phase that sent the tap to bitmap mode, its resync must end before the next
     * phase measures.
     */
    static void awaitStreamingAndCaughtUp(PipelineProbe pipeline, Duration timeout) {
        if (Double.isNaN(await(() -> pipeline.tap().mode() == ReplicationMode.STREAMING && pipeline.caughtUp(),
                timeout))) {
            throw new IllegalStateException("the tap did not stream with the replica caught up within " + timeout);
        }
    }

    /** Seconds until {@code condition} held, checked every 10 ms; NaN past {@code timeout}. */
    static double await(BooleanSupplier condition, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return Double.NaN;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
