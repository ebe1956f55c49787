package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.link.LinkSpec;
import io.datamover.disk.SparseFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bench verify} and {@code bin/bench rehearsal} (issue 18): the pair as the RPO harness runs it
 * ({@link DaemonPipeline}: tap, source and target gateway each a {@code bin/datamover} JVM, with the operator's admin
 * token) on a sparse disk that fio first writes full (so every region is data), caught up and streaming; then the
 * operation's own measurement ({@link VerifyBench}, {@link RehearsalBench}) and its report on stdout (and in
 * {@code --out}). Exit 2 on bad options; a missed goal is reported, not an error. Everything lives under
 * {@code dir/<command>-run}, removed after the run (the daemons' logs are kept when it fails).
 *
 * <pre>bin/bench verify --size 512M --rate 50M --guest-rate 16M --guest-seconds 20
 * bin/bench rehearsal --size 512M --guest-rate 16M --guest-seconds 20</pre>
 */
public final class OperationBench {
    private static final Logger LOG = LoggerFactory.getLogger(OperationBench.class);
    private static final Duration FILLED = Duration.ofMinutes(5);

    private OperationBench() {}

    public static void main(String[] args) throws Exception {
        OperationBenchOptions options;
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("which bench: verify or rehearsal");
            }
            options = OperationBenchOptions.parse(args[0], Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        String report = run(options);
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
    }

    /** The whole bench: its report as markdown. */
    static String run(OperationBenchOptions options) throws Exception {
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        return onFreshPair(options.dir(), options.command(), options.diskBytes(), options.transport(),
                (pipeline, work) -> {
                    fill(pipeline, options);
                    return options.command().equals(OperationBenchOptions.VERIFY)
                            ? VerifyReport.markdown(machine, options, VerifyBench.measure(pipeline, options, work))
                            : RehearsalReport.markdown(machine, options,
                                    RehearsalBench.measure(pipeline, options, work));
                });
    }

    /** What a bench measures on a pair; {@code work} is the run's directory. */
    interface OnPair<T> {
        T measure(DaemonPipeline pipeline, Path work) throws Exception;
    }

    /**
     * A fresh pair ({@link DaemonPipeline}) on an empty sparse disk of {@code diskBytes} under {@code dir/<name>-run},
     * measured by {@code bench}; the directory is removed after it (the daemons' logs kept in {@code dir/failed-<name>}
     * when it fails).
     */
    static <T> T onFreshPair(Path dir, String name, long diskBytes, Transport transport, OnPair<T> bench)
            throws Exception {
        Path work = BenchFiles.freshDirectory(dir, name + "-run");
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, diskBytes).close();
            RpoOptions.RunConfig config = new RpoOptions.RunConfig(1, 100, EndToEndRun.BATCH_MAX_BYTES, true,
                    LinkSpec.unlimited(), List.of());
            try (DaemonPipeline pipeline = DaemonPipeline.start(work, image, config, transport)) {
                try {
                    return bench.measure(pipeline, work);
                } catch (Exception e) {
                    Path logs = BenchFiles.keepLogs(work, dir.resolve("failed-" + name));
                    LOG.warn("bench {} failed: {} (the daemons' logs are kept in {}){}", name, e, logs,
                            pipeline.deadDaemons());
                    throw e;
                }
            }
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    /** The initial sync, then fio writes every block once; returns once the tap streams and the replica caught up. */
    private static void fill(DaemonPipeline pipeline, OperationBenchOptions options) throws Exception {
        if (Double.isNaN(PhaseRunner.awaitCaughtUp(pipeline.probe(), EndToEndRun.SETUP_TIMEOUT))) {
            throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
        }
        LOG.info("bench {}: writing the {}-byte disk full", options.command(), options.diskBytes());
        PhaseRunner.run(pipeline.probe(), options.fill(), options.diskBytes());
        PhaseRunner.awaitStreamingAndCaughtUp(pipeline.probe(), FILLED);
    }
}
