package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.ShipperStatus;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.tap.replication.ReplicationMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the end-to-end benchmark on a {@link LocalPipeline}: an empty sparse source disk, then phase 1 (fio
 * unthrottled: the rate the replica absorbs), a drain, phase 2 (fio at half that rate, RPO sampled every 100 ms),
 * a drain, and a byte comparison of replica and source. Everything lives under {@code dir/e2e-run}, removed after.
 */
public final class EndToEndRun {
    private static final Logger LOG = LoggerFactory.getLogger(EndToEndRun.class);
    static final String EXPORT = "bench";
    private static final int BATCH_MAX_BYTES = 8 << 20;
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);

    private final E2eOptions options;

    private EndToEndRun(E2eOptions options) {
        this.options = options;
    }

    public static E2eResult run(E2eOptions options) throws Exception {
        return new EndToEndRun(options).run();
    }

    private E2eResult run() throws Exception {
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        Path work = options.dir().resolve("e2e-run");
        BenchFiles.deleteTree(work);
        Files.createDirectories(work);
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            PhaseResult sustained;
            Optional<PhaseResult> halfRate = Optional.empty();
            String problem = "";
            Path replicaImage;
            try (LocalPipeline pipeline = pipeline(work, image)) {
                replicaImage = pipeline.replica(EXPORT);
                if (Double.isNaN(awaitCaughtUp(pipeline, SETUP_TIMEOUT))) {
                    throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
                }
                Workload workload = new Workload(options.phaseSeconds(), options.blockSize(),
                        options.compressiblePercent(), options.ioDepth(), 0);
                sustained = phase(pipeline, workload);
                if (!sustained.drained()) {
                    problem = "the replica did not catch up after phase 1 (tap " + sustained.worstTapMode()
                            + "); phase 2 skipped";
                } else {
                    long half = Math.max(options.blockSize(), Math.round(sustained.appliedBytesPerSecond() / 2));
                    halfRate = Optional.of(phase(pipeline, workload.throttledTo(half)));
                    if (!halfRate.get().drained()) {
                        problem = "the replica did not catch up after phase 2";
                    }
                }
            }
            Optional<ComparisonReport> replica = problem.isEmpty()
                    ? Optional.of(DiskComparison.compare(image, replicaImage, DiskComparison.DEFAULT_REGION_BYTES))
                    : Optional.empty();
            return new E2eResult(options, machine, sustained, halfRate, replica, problem);
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    private LocalPipeline pipeline(Path work, Path image) throws Exception {
        LocalPipeline.Builder builder = LocalPipeline.builder(work).export(EXPORT, image)
                .batch(options.batchIntervalMs(), BATCH_MAX_BYTES).compression(true);
        if (options.journalMaxBytes() > 0) {
            builder.journalMaxBytes(options.journalMaxBytes());
        }
        return builder.start();
    }

    /** One phase, from a caught-up pipeline: fio writes while the sampler runs, then the backlog drains. */
    private PhaseResult phase(LocalPipeline pipeline, Workload workload) throws Exception {
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
            fio = FioRun.start(workload, pipeline.nbdUri(EXPORT), options.diskBytes()).await(workload.seconds() + 60L);
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
                samples.endToEnd(), samples.slowestTenth(), drain);
    }

    /** Seconds until the target applied the tap's last write; NaN on timeout or once the tap is in BITMAP mode. */
    private static double awaitCaughtUp(LocalPipeline pipeline, Duration timeout) {
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

    private static ShipperStatus shipping(LocalPipeline pipeline) {
        return pipeline.sourceStatus().map(SourceGroupStatus::shipping)
                .orElseThrow(() -> new IllegalStateException("the source gateway does not know the group yet"));
    }

    private static long appliedSeq(LocalPipeline pipeline) {
        return pipeline.targetStatus().map(ConsistencyGroupStatus::appliedSeq).orElse(0L);
    }
}
