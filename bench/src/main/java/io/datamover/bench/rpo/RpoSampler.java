package io.datamover.bench.rpo;

import io.datamover.tap.replication.ReplicationMode;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples a pipeline's RPO every 100 ms through a {@link PipelineProbe}, two ways:
 *
 * <ul>
 *   <li><b>pipeline</b>: the source gateway's own {@code rpoSeconds}, the age of the oldest record durable in its
 *       journal that the target has not applied. Blind to writes the tap has acknowledged to the guest but not yet
 *       handed to (or had synced by) the source.
 *   <li><b>end-to-end</b>: measured from outside. Every 10 ms the tap's last seq is noted with the time; at a sample,
 *       the oldest write the target has not applied is seq {@code applied + 1}, which did not exist at the last
 *       tick its seq was still at or below {@code applied}: the RPO is at most the time since that tick. The tap
 *       gives a seq before the write reaches its disk and the guest's reply, so this overstates by up to one tick
 *       plus the local write time; it never understates.
 * </ul>
 *
 * <p>Each sample also notes the {@link WaitStage} of the oldest unapplied write, and the worst tap mode seen ({@link ReplicationMode} declares them mildest first). One timer thread
 * owns all state until {@link #stop()}.
 */
final class RpoSampler {
    private static final Logger LOG = LoggerFactory.getLogger(RpoSampler.class);
    static final long TICK_MS = 10;
    static final long SAMPLE_MS = 100;

    private final PipelineProbe pipeline;
    private final ScheduledExecutorService timer;
    private final int maxSamples;
    /** {time of the last tick the tap's last seq was this, that seq}, seqs increasing; timer thread only. */
    private final ArrayDeque<long[]> seqSeen = new ArrayDeque<>();
    private final double[] pipelineRpo;
    private final double[] endToEndRpo;
    private final WaitStage[] stages;
    private final long[] sampledAtNanos;
    private final long startNanos = System.nanoTime();
    private int samples;
    private long ticks;
    private long longestTickNanos;
    /** When the next sample is due; timer thread only. */
    private long nextSampleNanos = startNanos;
    private ReplicationMode worstMode = ReplicationMode.STREAMING;
    private volatile RuntimeException failure;

    private RpoSampler(PipelineProbe pipeline, int maxSamples) {
        this.pipeline = pipeline;
        this.maxSamples = maxSamples;
        this.pipelineRpo = new double[maxSamples];
        this.endToEndRpo = new double[maxSamples];
        this.stages = new WaitStage[maxSamples];
        this.sampledAtNanos = new long[maxSamples];
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rpo-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts sampling; keeps at most {@code maxSamples} samples (later ones are dropped). */
    static RpoSampler start(PipelineProbe pipeline, int maxSamples) {
        RpoSampler sampler = new RpoSampler(pipeline, maxSamples);
        sampler.timer.scheduleAtFixedRate(sampler::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
        return sampler;
    }

    /** Stops the timer and returns what it saw. */
    Samples stop() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the RPO sampler did not stop");
        }
        if (failure != null) {
            throw new IllegalStateException("the RPO sampler failed", failure);
        }
        Distribution endToEnd = Distribution.of(Arrays.copyOf(endToEndRpo, samples));
        double[] at = new double[samples];
        for (int i = 0; i < samples; i++) {
            at[i] = (sampledAtNanos[i] - startNanos) / 1e9;
        }
        LOG.info("rpo sampler: {} ticks in {} ms (the tap's seq every {} ms on average, {} ms at the longest tick),"
                + " {} samples", ticks, (System.nanoTime() - startNanos) / 1_000_000,
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e6 / Math.max(1, ticks)),
                longestTickNanos / 1_000_000, samples);
        return new Samples(Distribution.of(Arrays.copyOf(pipelineRpo, samples)), endToEnd,
                slowestTenthByStage(endToEnd), worstMode, new Series(at, Arrays.copyOf(endToEndRpo, samples)));
    }

    /**
     * The RPO distributions of a phase, where the oldest write waited in its slowest tenth of samples (end-to-end
     * RPO at or above the p90, and not zero), the worst tap mode during it, and the end-to-end samples in order.
     */
    record Samples(Distribution pipeline, Distribution endToEnd, Map<WaitStage, Integer> slowestTenth,
            ReplicationMode worstTapMode, Series endToEndSeries) {}

    private Map<WaitStage, Integer> slowestTenthByStage(Distribution endToEnd) {
        Map<WaitStage, Integer> counts = new EnumMap<>(WaitStage.class);
        if (samples == 0) {
            return counts;
        }
        double[] sorted = Arrays.copyOf(endToEndRpo, samples);
        Arrays.sort(sorted);
        double p90 = sorted[Math.max(0, (int) Math.ceil(0.9 * samples) - 1)];
        for (int i = 0; i < samples; i++) {
            if (endToEndRpo[i] >= p90 && endToEndRpo[i] > 0) {
                counts.merge(stages[i], 1, Integer::sum);
            }
        }
        return counts;
    }

    private void tick() {
        try {
            // By the clock, not by tick count: a tick that reads a daemon over HTTP on a loaded machine may take
            // longer than TICK_MS, and the samples must stay 100 ms apart all the same.
            long tickStart = System.nanoTime();
            ticks++;
            boolean sample = tickStart >= nextSampleNanos && samples < maxSamples;
            if (sample) {
                nextSampleNanos = Math.max(nextSampleNanos + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS), tickStart);
            }
            // The target is read before the tap, so its applied seq can never look ahead of the writes it counts;
            // the tick's time is taken before the tap is read, so the seq read was not yet passed at that time.
            PipelineProbe.TargetReading target = sample ? pipeline.target() : PipelineProbe.TargetReading.NONE;
            long now = System.nanoTime();
            PipelineProbe.TapReading tap = pipeline.tap();
            if (tap.mode().ordinal() > worstMode.ordinal()) {
                worstMode = tap.mode();
            }
            note(now, tap.lastSeq());
            if (sample) {
                Optional<PipelineProbe.SourceReading> source = pipeline.source();
                pipelineRpo[samples] = source.map(PipelineProbe.SourceReading::rpoSeconds).orElse(0.0);
                endToEndRpo[samples] = endToEndSeconds(now, target.appliedSeq());
                sampledAtNanos[samples] = now;
                stages[samples] = WaitStage.of(tap.lastSeq(),
                        source.map(PipelineProbe.SourceReading::durableSeq).orElse(0L), target.heldSeq(),
                        target.appliedSeq());
                samples++;
            }
            longestTickNanos = Math.max(longestTickNanos, System.nanoTime() - tickStart);
        } catch (RuntimeException e) {
            // A failed tick ends the series; stop() reports it rather than returning a short one.
            failure = e;
            throw e;
        }
    }

    private void note(long now, long lastSeq) {
        long[] tail = seqSeen.peekLast();
        if (tail != null && tail[1] == lastSeq) {
            tail[0] = now;
        } else {
            seqSeen.addLast(new long[] {now, lastSeq});
        }
    }

    private double endToEndSeconds(long now, long applied) {
        while (seqSeen.size() > 1 && secondSeq() <= applied) {
            seqSeen.removeFirst();
        }
        long[] newest = seqSeen.peekLast();
        if (newest[1] <= applied) {
            return 0;
        }
        long[] oldest = seqSeen.peekFirst();
        // The sampler started with the pipeline caught up, so the first entry is at or below the applied seq.
        return (now - oldest[0]) / 1e9;
    }

    private long secondSeq() {
        var it = seqSeen.iterator();
        it.next();
        return it.next()[1];
    }
}
