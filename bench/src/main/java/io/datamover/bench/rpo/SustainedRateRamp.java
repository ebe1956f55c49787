package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.link.LinkSpec;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bench e2e}: per transport, the highest fio {@code --rate} at which the tap stays STREAMING (no bitmap
 * mode, no resync) and the replica keeps up (the end-to-end RPO over a step's last second under a bound), found by a
 * ramp of rate steps on the same daemons ({@link RateLadder}): a fresh {@link DaemonPipeline} per transport on an
 * empty sparse disk; once the initial sync is done (and, with the JDK provider, every daemon's cipher warm-up), an
 * unmeasured warm-up step, then the measured steps, each followed by its drain and, after a step that left
 * STREAMING, the end of the tap's resync. Each step's applied bytes come from the target's applier counter, each
 * daemon's CPU from a {@link ResourceSampler} over the step and its drain. Everything lives under
 * {@code dir/ramp-run}, removed after each transport; the replica is compared with the source once its daemons
 * stopped.
 */
final class SustainedRateRamp {
    private static final Logger LOG = LoggerFactory.getLogger(SustainedRateRamp.class);
    /**
     * What a JDK-provider daemon logs once its cipher warm-up ended ({@code JdkCipherWarmup}: "warmed up", or "warm-up
     * failed", after which its links are only slower for their first seconds).
     */
    static final String CIPHER_WARMED_UP = "JDK TLS cipher warm";
    private static final Duration WARMUP_DEADLINE = Duration.ofMinutes(3);

    /**
     * One transport's search.
     *
     * @param steps the measured steps in the order they ran
     * @param replica the comparison with the source, absent when the search stopped on a problem
     * @param problem why the search stopped early, or empty
     */
    record TransportRamp(Transport transport, List<RampStep> steps, Optional<ComparisonReport> replica,
            String problem) {
        TransportRamp {
            steps = List.copyOf(steps);
        }

        /** The step at the highest rate that held, if any. */
        Optional<RampStep> sustained() {
            return steps.stream().filter(RampStep::held).max(Comparator.comparingLong(RampStep::rate));
        }

        /** The lowest rate that did not hold, if any. */
        OptionalLong lowestFailed() {
            return steps.stream().filter(s -> !s.held()).mapToLong(RampStep::rate).min();
        }

        /** The step that held at exactly {@code rate}, if any. */
        Optional<RampStep> heldAt(long rate) {
            return steps.stream().filter(s -> s.held() && s.rate() == rate).findFirst();
        }
    }

    /** The whole search, transports in the order they ran. */
    record Result(RampOptions options, MachineFacts machine, List<TransportRamp> transports) {
        Result {
            transports = List.copyOf(transports);
        }
    }

    private final RampOptions options;

    private SustainedRateRamp(RampOptions options) {
        this.options = options;
    }

    static Result run(RampOptions options) throws Exception {
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        List<TransportRamp> ramps = new ArrayList<>();
        for (Transport transport : options.transports()) {
            LOG.info("e2e sustained-rate search: {}", transport.label());
            ramps.add(new SustainedRateRamp(options).search(transport));
        }
        return new Result(options, machine, ramps);
    }

    private TransportRamp search(Transport transport) throws Exception {
        Path work = BenchFiles.freshDirectory(options.dir(), "ramp-run");
        RpoOptions.RunConfig config = new RpoOptions.RunConfig(1, options.batchIntervalMs(),
                EndToEndRun.BATCH_MAX_BYTES, true, LinkSpec.unlimited(), List.of());
        List<RampStep> steps = new ArrayList<>();
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            Path replica;
            try (DaemonPipeline pipeline = DaemonPipeline.start(work, image, config, transport)) {
                replica = pipeline.replica();
                try {
                    prepare(pipeline, transport);
                    RateLadder ladder = new RateLadder(options.startRate(), options.resolution(),
                            RampOptions.MAX_RATE);
                    for (OptionalLong rate = ladder.next(); rate.isPresent() && steps.size() < options.maxSteps();
                            rate = ladder.next()) {
                        RampStep step = step(pipeline, rate.getAsLong());
                        steps.add(step);
                        ladder.record(step.rate(), step.held());
                        LOG.info("e2e {} step {} at {} B/s: {}", transport.label(), steps.size(), step.rate(),
                                step.outcome());
                    }
                } catch (Exception e) {
                    String dead = pipeline.deadDaemons();
                    Path logs = BenchFiles.keepLogs(work, options.dir().resolve("failed-ramp-" + transport.label()));
                    LOG.warn("e2e {} stopped: {} (the daemons' logs are kept in {}){}", transport.label(),
                            e.toString(), logs, dead.isEmpty() ? "" : "\n" + dead);
                    return new TransportRamp(transport, steps, Optional.empty(),
                            e + (dead.isEmpty() ? "" : "; " + dead.strip().replace('\n', ' ')));
                }
            }
            return new TransportRamp(transport, steps, EndToEndRun.compareUnlessStopped("", image, replica), "");
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    /** The initial sync, the JDK provider's cipher warm-up in every daemon, then the unmeasured warm-up step. */
    private void prepare(DaemonPipeline pipeline, Transport transport) throws Exception {
        if (Double.isNaN(PhaseRunner.awaitCaughtUp(pipeline.probe(), EndToEndRun.SETUP_TIMEOUT))) {
            throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
        }
        if (transport == Transport.TLS_JDK && Double.isNaN(PhaseRunner.await(() -> pipeline.daemons().values()
                .stream().allMatch(d -> d.process().logContains(CIPHER_WARMED_UP)), WARMUP_DEADLINE))) {
            throw new IllegalStateException("a daemon did not log \"" + CIPHER_WARMED_UP + "\" in " + WARMUP_DEADLINE);
        }
        if (options.warmupSeconds() > 0) {
            PhaseRunner.run(pipeline.probe(), options.step(options.warmupSeconds(), options.startRate()),
                    options.diskBytes());
            awaitStreaming(pipeline, options.warmupSeconds());
        }
    }

    /** One measured step at {@code rate}: fio, its drain, the resync it may have caused. */
    private RampStep step(DaemonPipeline pipeline, long rate) throws Exception {
        AdminProbe probe = pipeline.probe();
        long appliedBefore = probe.appliedBytes();
        ResourceSampler resources = ResourceSampler.start(pipeline);
        PhaseResult phase;
        ResourceSampler.Usage usage;
        try {
            phase = PhaseRunner.run(probe, options.step(options.stepSeconds(), rate), options.diskBytes());
        } finally {
            usage = resources.stop();
        }
        long applied = probe.appliedBytes() - appliedBefore;
        double rpoAtEnd = RampStep.rpoAtEnd(phase);
        RampStep step = new RampStep(rate, phase, applied, rpoAtEnd, usage,
                RampStep.judge(rate, phase, rpoAtEnd, options.maxRpoSeconds()));
        awaitStreaming(pipeline, options.stepSeconds());
        return step;
    }

    /** Until the tap streams and the replica caught up again, as before every step. */
    private static void awaitStreaming(DaemonPipeline pipeline, int stepSeconds) {
        PhaseRunner.awaitStreamingAndCaughtUp(pipeline.probe(), Duration.ofSeconds(Math.max(120, 8L * stepSeconds)));
    }
}
