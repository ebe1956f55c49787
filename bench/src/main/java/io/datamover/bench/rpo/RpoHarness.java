package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sweep of {@link RpoOptions}: for each configuration a fresh {@link DaemonPipeline} (tap, source gateway
 * and target gateway each in its own JVM) on an empty sparse disk, its shipper routed through an emulated
 * {@link io.datamover.bench.link.LinkProxy}, then the steady phase with the link's outages, the burst and its
 * drain, and a byte comparison of replica and source. Each run lives under {@code dir/rpo-run},
 * removed after it.
 */
public final class RpoHarness {
    private static final Logger LOG = LoggerFactory.getLogger(RpoHarness.class);
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
    /** The most a burst may take before it is cut short: it writes {@code --burst} bytes or stops here. */
    private static final int BURST_MAX_SECONDS = 20;

    private RpoHarness() {}

    /** Every run of the sweep, in order; a run that fails is reported with its problem and the sweep goes on. */
    public static List<RunResult> run(RpoOptions options) throws Exception {
        Files.createDirectories(options.dir());
        List<RunResult> results = new ArrayList<>();
        for (RpoOptions.RunConfig config : options.runs()) {
            LOG.info("rpo run {}/{}: batch {} ms / {} B, LZ4 {}, link {}", config.number(), options.runs().size(),
                    config.batchMs(), config.batchBytes(), config.compression() ? "on" : "off",
                    config.link().describe());
            results.add(runOne(options, config));
        }
        return results;
    }

    static RunResult runOne(RpoOptions options, RpoOptions.RunConfig config) throws Exception {
        Path work = options.dir().resolve("rpo-run");
        BenchFiles.deleteTree(work);
        Files.createDirectories(work);
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            Optional<PhaseResult> steady = Optional.empty();
            Optional<PhaseResult> burst = Optional.empty();
            Optional<ResourceSampler.Usage> usage = Optional.empty();
            long linkBytes = 0;
            String problem = "";
            Path replicaImage;
            try (DaemonPipeline pipeline = DaemonPipeline.start(work, image, config)) {
                replicaImage = pipeline.replica();
                PipelineProbe probe = pipeline.probe();
                try {
                    if (Double.isNaN(PhaseRunner.awaitCaughtUp(probe, SETUP_TIMEOUT))) {
                        throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
                    }
                    ResourceSampler resources = ResourceSampler.start(pipeline);
                    try {
                        pipeline.link().scheduleOutages();
                        Workload workload = options.steadyWorkload();
                        steady = Optional.of(PhaseRunner.run(probe, workload, options.diskBytes()));
                        if (!steady.get().drained()) {
                            problem = "the replica did not catch up after the steady phase; burst skipped";
                        } else {
                            burst = Optional.of(PhaseRunner.run(probe,
                                    workload.burst(options.burstBytes(), BURST_MAX_SECONDS), options.diskBytes()));
                            if (!burst.get().drained()) {
                                problem = "the replica did not catch up after the burst";
                            }
                        }
                    } finally {
                        linkBytes = pipeline.link().upstreamBytes();
                        try {
                            usage = Optional.of(resources.stop());
                        } catch (Exception e) {
                            // Reported as the run's problem; an exception from the phases, if any, goes first.
                            problem = problem.isEmpty() ? "CPU and memory figures lost: " + e : problem;
                        }
                    }
                } catch (Exception e) {
                    String dead = pipeline.deadDaemons();
                    LOG.warn("rpo run {} failed: {}{}", config.number(), e.toString(), dead.isEmpty() ? "" : "\n" + dead);
                    return new RunResult(config, steady, burst, usage, linkBytes, Optional.empty(),
                            e + (dead.isEmpty() ? "" : "; " + dead.strip().replace('\n', ' ')));
                }
            } catch (Exception e) {
                LOG.warn("rpo run {} failed: {}", config.number(), e.toString());
                return new RunResult(config, steady, burst, usage, linkBytes, Optional.empty(), e.toString());
            }
            // The replica is compared once the target gateway has stopped, every applied write synced.
            Optional<ComparisonReport> replica = problem.isEmpty()
                    ? Optional.of(DiskComparison.compare(image, replicaImage, DiskComparison.DEFAULT_REGION_BYTES))
                    : Optional.empty();
            return new RunResult(config, steady, burst, usage, linkBytes, replica, problem);
        } finally {
            BenchFiles.deleteTree(work);
        }
    }
}
