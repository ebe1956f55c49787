package io.datamover.cli.demo;

import io.datamover.cli.local.LocalPipeline;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.tap.replication.ReplicationMode;
import io.micrometer.core.instrument.Counter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the demo watches: samples the pipeline every {@link #SAMPLE_MILLIS} ms (RPO, modes) and renders the
 * one-line-a-second progress. The RPO samples are kept for the summary's percentiles, bounded in number.
 */
final class LiveFigures {
    static final long SAMPLE_MILLIS = 100;
    private static final int MAX_SAMPLES = 200_000;
    private static final double MIB = 1024.0 * 1024.0;

    private final LocalPipeline pipeline;
    private final long startNanos = System.nanoTime();
    private final double[] rpoSamples = new double[MAX_SAMPLES];
    private int rpoCount;
    private final Set<ReplicationMode> tapModesSeen = new HashSet<>();
    private double lastJournaledBytes;
    private long lastLineNanos = startNanos;

    LiveFigures(LocalPipeline pipeline) {
        this.pipeline = pipeline;
    }

    static String header() {
        return "   time  journaled MiB/s  journal MiB   applied seq / tap seq     RPO s  lag MiB   lz4  replica       tap";
    }

    /** Takes one sample: the RPO now and the tap's mode. */
    void sample() {
        tapModesSeen.add(pipeline.tap().tap().mode());
        pipeline.sourceStatus().ifPresent(s -> {
            if (rpoCount < MAX_SAMPLES) {
                rpoSamples[rpoCount++] = s.rpoSeconds();
            }
        });
    }

    /** The progress line for the time since the previous line. */
    String line() {
        long now = System.nanoTime();
        double journaled = journaledBytes();
        double rate = (journaled - lastJournaledBytes) / MIB / Math.max(1e-9, (now - lastLineNanos) / 1e9);
        lastJournaledBytes = journaled;
        lastLineNanos = now;
        Optional<SourceGroupStatus> source = pipeline.sourceStatus();
        Optional<ConsistencyGroupStatus> target = pipeline.targetStatus();
        return String.format("  %4.0fs  %15.1f  %11s  %,12d / %,-9d  %6.2f  %7.1f  %4.2f  %-12s  %s",
                (now - startNanos) / 1e9, rate,
                source.map(s -> String.format("%.0f/%.0f", s.journalBytes() / MIB, s.journalMaxBytes() / MIB))
                        .orElse("-"),
                target.map(ConsistencyGroupStatus::appliedSeq).orElse(0L), pipeline.tap().tap().lastSeq(),
                source.map(SourceGroupStatus::rpoSeconds).orElse(0.0),
                source.map(s -> s.shipping().lagBytes() / MIB).orElse(0.0),
                source.map(s -> s.shipping().compressionRatio()).orElse(1.0),
                target.map(ConsistencyGroupStatus::groupState).orElse("(waiting)"),
                pipeline.tap().tap().mode() + (pipeline.tap().tap().initialSyncRunning() ? " (initial sync)" : ""));
    }

    /** Bytes the source gateway has journaled so far: what the guest wrote and the tap streamed. */
    double journaledBytes() {
        return pipeline.sourceMetrics().find("datamover.source.receiver.bytes").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    boolean tapLeftStreaming() {
        return tapModesSeen.contains(ReplicationMode.BITMAP);
    }

    /** The RPO at quantile {@code q} (0..1) over every sample taken, 0 when none. */
    double rpoQuantile(double q) {
        if (rpoCount == 0) {
            return 0;
        }
        double[] sorted = Arrays.copyOf(rpoSamples, rpoCount);
        Arrays.sort(sorted);
        int index = Math.max(0, (int) Math.ceil(q * rpoCount) - 1);
        return sorted[Math.min(rpoCount - 1, index)];
    }

    int rpoSampleCount() {
        return rpoCount;
    }

    double secondsSinceStart() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
