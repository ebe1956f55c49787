package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs the end-to-end benchmark on a {@link LocalPipeline}: an empty sparse source disk, then phase 1 (fio
 * unthrottled: the rate the replica absorbs), a drain, phase 2 (fio at half that rate, RPO sampled every 100 ms),
 * a drain, and a byte comparison of replica and source. Everything lives under {@code dir/e2e-run}, removed after.
 */
public final class EndToEndRun {
    static final String EXPORT = "bench";
    static final int BATCH_MAX_BYTES = 8 << 20;
    static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);

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
                PipelineProbe probe = new LocalPipelineProbe(pipeline);
                if (Double.isNaN(PhaseRunner.awaitCaughtUp(probe, SETUP_TIMEOUT))) {
                    throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
                }
                Workload workload = new Workload(options.phaseSeconds(), options.blockSize(),
                        options.compressiblePercent(), options.ioDepth(), 0);
                sustained = PhaseRunner.run(probe, workload, options.diskBytes());
                if (!sustained.drained()) {
                    problem = "the replica did not catch up after phase 1 (tap " + sustained.worstTapMode()
                            + "); phase 2 skipped";
                } else {
                    long half = Math.max(options.blockSize(), Math.round(sustained.appliedBytesPerSecond() / 2));
                    halfRate = Optional.of(PhaseRunner.run(probe, workload.throttledTo(half), options.diskBytes()));
                    if (!halfRate.get().drained()) {
                        problem = "the replica did not catch up after phase 2";
                    }
                }
            }
            return new E2eResult(options, machine, sustained, halfRate, compareUnlessStopped(problem, image, replicaImage),
                    problem);
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    /** Replica against source, byte for byte over both files' data extents; not compared after a run's problem. */
    static Optional<ComparisonReport> compareUnlessStopped(String problem, Path image, Path replica)
            throws IOException {
        return problem.isEmpty()
                ? Optional.of(DiskComparison.compare(image, replica, DiskComparison.DEFAULT_REGION_BYTES))
                : Optional.empty();
    }

    private LocalPipeline pipeline(Path work, Path image) throws Exception {
        LocalPipeline.Builder builder = LocalPipeline.builder(work).export(EXPORT, image)
                .batch(options.batchIntervalMs(), BATCH_MAX_BYTES).compression(true);
        if (options.journalMaxBytes() > 0) {
            builder.journalMaxBytes(options.journalMaxBytes());
        }
        return builder.start();
    }
}
