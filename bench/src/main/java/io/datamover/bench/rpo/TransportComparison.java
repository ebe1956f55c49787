package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.link.LinkSpec;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bench e2e --transports}: the sustained phase of {@link EndToEndRun} (fio unthrottled, then the drain) once
 * per transport and round, the transports interleaved within each round so a change in the machine's load spreads
 * over all of them. Each run starts a fresh {@link DaemonPipeline} (tap, source and target gateway each its own
 * JVM, so each one's CPU is its own) on an empty sparse disk, the link between the gateways unlimited, after an
 * optional unmeasured warm-up phase measures the daemons' CPU with a {@link ResourceSampler} over the phase and its drain, then compares replica and source once
 * the daemons have stopped. Everything lives under {@code dir/e2e-run}, removed after each run.
 */
final class TransportComparison {
    private static final Logger LOG = LoggerFactory.getLogger(TransportComparison.class);

    /**
     * One transport's run.
     *
     * @param sustained the phase, absent when the run failed before it ended
     * @param usage each daemon's CPU over the phase and its drain, absent likewise
     * @param replica the comparison with the source, absent when the run had a problem
     * @param problem why the run's figures are missing or suspect, or empty
     */
    record Run(Transport transport, int round, Optional<PhaseResult> sustained,
            Optional<ResourceSampler.Usage> usage, Optional<ComparisonReport> replica, String problem) {}

    /** The whole comparison, runs in the order they ran. */
    record Result(E2eOptions options, MachineFacts machine, List<Run> runs) {
        Result {
            runs = List.copyOf(runs);
        }
    }

    private TransportComparison() {}

    static Result run(E2eOptions options) throws Exception {
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++) {
            for (Transport transport : options.transports()) {
                LOG.info("e2e round {}/{}: {}", round, options.rounds(), transport.label());
                runs.add(runOne(options, transport, round));
            }
        }
        return new Result(options, machine, runs);
    }

    private static Run runOne(E2eOptions options, Transport transport, int round) throws Exception {
        Path work = options.dir().resolve("e2e-run");
        BenchFiles.deleteTree(work);
        Files.createDirectories(work);
        RpoOptions.RunConfig config = new RpoOptions.RunConfig(round, options.batchIntervalMs(),
                EndToEndRun.BATCH_MAX_BYTES, true, LinkSpec.unlimited(), List.of());
        Workload workload = unthrottled(options, options.phaseSeconds());
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            Optional<PhaseResult> sustained = Optional.empty();
            Optional<ResourceSampler.Usage> usage = Optional.empty();
            String problem = "";
            Path replicaImage;
            try (DaemonPipeline pipeline = DaemonPipeline.start(work, image, config, transport)) {
                replicaImage = pipeline.replica();
                try {
                    if (Double.isNaN(PhaseRunner.awaitCaughtUp(pipeline.probe(), EndToEndRun.SETUP_TIMEOUT))) {
                        throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
                    }
                    if (options.warmupSeconds() > 0 && !PhaseRunner.run(pipeline.probe(),
                            unthrottled(options, options.warmupSeconds()), options.diskBytes()).drained()) {
                        throw new IllegalStateException("the replica did not catch up after the warm-up");
                    }
                    ResourceSampler resources = ResourceSampler.start(pipeline);
                    try {
                        sustained = Optional.of(PhaseRunner.run(pipeline.probe(), workload, options.diskBytes()));
                        problem = sustained.get().drained() ? "" : "the replica did not catch up after the phase";
                    } finally {
                        usage = Optional.of(resources.stop());
                    }
                } catch (Exception e) {
                    String dead = pipeline.deadDaemons();
                    Path logs = BenchFiles.keepLogs(work, options.dir().resolve(
                            "failed-round-" + round + "-" + transport.label()));
                    LOG.warn("e2e {} failed: {} (the daemons' logs are kept in {}){}", transport.label(), e.toString(),
                            logs, dead.isEmpty() ? "" : "\n" + dead);
                    return new Run(transport, round, sustained, usage, Optional.empty(),
                            e + (dead.isEmpty() ? "" : "; " + dead.strip().replace('\n', ' ')));
                }
            }
            // The replica is compared once the target gateway has stopped, every applied write synced.
            return new Run(transport, round, sustained, usage,
                    EndToEndRun.compareUnlessStopped(problem, image, replicaImage), problem);
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    private static Workload unthrottled(E2eOptions options, int seconds) {
        return new Workload(seconds, options.blockSize(), options.compressiblePercent(), options.ioDepth(), 0);
    }
}
