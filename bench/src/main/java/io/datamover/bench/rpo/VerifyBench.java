package io.datamover.bench.rpo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/bench verify}: online verify ({@code datamover verify --cg 1 --online --admin SOURCE}, as the operator
 * runs it; the source gateway runs the comparison) on a pair whose disk is written full and caught up: once unlimited
 * ({@code --rate 0}) and once at {@code --rate}, each pass's read rate (both sites' bytes over the comparison's own
 * time); then the guest's fio job three times: alone, with
 * verify at {@code --rate} running across it (started again and again while fio writes), and alone again; in each
 * the guest's throughput, mean and p99 write latency, the tap's mode, the RPO.
 */
final class VerifyBench {
    /** How a pass ends when the disks are equal (0) or only some regions were written throughout (4). */
    static final List<Integer> NO_DIFFERENCE = List.of(0, 4);
    private static final Pattern READ = Pattern.compile("\\((\\d+) bytes\\) \\(both sites\\) in ([0-9.]+) s");

    /**
     * One verify pass: how it ended and what it read.
     *
     * @param bytesRead both sites' bytes, from its report; 0 when it printed none
     * @param seconds the command's own time for the comparison (its JVM's start not included)
     */
    record Pass(OperatorCommand.Outcome outcome, long bytesRead, double seconds) {
        double bytesPerSecond() {
            return seconds > 0 ? bytesRead / seconds : Double.NaN;
        }

        boolean noDifference() {
            return NO_DIFFERENCE.contains(outcome.exitCode());
        }
    }

    /**
     * @param unlimited a pass at {@code --rate 0}
     * @param limited a pass at the options' {@code --rate}
     * @param without the guest's phase alone
     * @param with the same phase with verify running at {@code --rate}
     * @param after the guest's phase alone again, so a change in the machine's load shows
     * @param during the passes that ran in {@code with}
     */
    record Figures(Pass unlimited, Pass limited, PhaseResult without, PhaseResult with, PhaseResult after,
            List<Pass> during) {
        Figures {
            during = List.copyOf(during);
        }

        /** The guest's throughput with verify running over its mean throughput alone, before and after. */
        double guestKept() {
            return with.fioBytesPerSecond() / ((without.fioBytesPerSecond() + after.fioBytesPerSecond()) / 2);
        }
    }

    private VerifyBench() {}

    static Figures measure(DaemonPipeline pipeline, OperationBenchOptions options, Path work) throws Exception {
        Pass unlimited = pass(pipeline, options, work, 0);
        Pass limited = pass(pipeline, options, work, options.verifyRate());
        PhaseResult without = guestPhase(pipeline, options);
        AtomicBoolean guestDone = new AtomicBoolean();
        List<Pass> during = new ArrayList<>();
        PhaseResult with;
        try (ExecutorService loop = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> passes = loop.submit(() -> {
                while (!guestDone.get()) {
                    during.add(pass(pipeline, options, work, options.verifyRate()));
                }
                return null;
            });
            try {
                with = guestPhase(pipeline, options);
            } finally {
                guestDone.set(true);
            }
            try {
                passes.get();
            } catch (ExecutionException e) {
                throw new IOException("a verify pass during the guest's phase failed", e.getCause());
            }
        }
        return new Figures(unlimited, limited, without, with, guestPhase(pipeline, options), during);
    }

    /** The guest's phase from a caught-up, streaming pair, and its drain (shared with {@link RehearsalBench}). */
    static PhaseResult guestPhase(DaemonPipeline pipeline, OperationBenchOptions options) throws Exception {
        PhaseRunner.awaitStreamingAndCaughtUp(pipeline.probe(), Duration.ofMinutes(2));
        return PhaseRunner.run(pipeline.probe(), options.guest(), options.diskBytes());
    }

    /** {@code datamover verify --cg 1 --online ... --rate RATE}, waited for. */
    private static Pass pass(DaemonPipeline pipeline, OperationBenchOptions options, Path work, long rate)
            throws IOException, InterruptedException {
        AdminProbe probe = pipeline.probe();
        // At the limit a pass reads both disks in 2 x size / rate; allow three times that and a JVM's start.
        Duration timeout = Duration.ofSeconds(120 + (rate == 0 ? 600 : 6 * options.diskBytes() / rate));
        OperatorCommand.Outcome outcome = OperatorCommand.run(work, pipeline.adminToken(), timeout, List.of("verify",
                "--cg", "1", "--online", "--admin", "127.0.0.1:" + probe.sourceAdminPort(), "--rate",
                Long.toString(rate)));
        Matcher read = READ.matcher(outcome.output());
        return read.find() ? new Pass(outcome, Long.parseLong(read.group(1)), Double.parseDouble(read.group(2)))
                : new Pass(outcome, 0, Double.NaN);
    }
}
