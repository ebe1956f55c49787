package io.datamover.bench.rpo;

import io.datamover.bench.rpo.DaemonPipeline.Component;
import io.datamover.bench.rpo.SustainedRateRamp.TransportRamp;
import io.datamover.cli.VerifyReportText;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link SustainedRateRamp.Result} as markdown: machine and parameters; every step of every transport; per
 * transport the sustained rate (the bytes a second the replica absorbed at the highest rate that held) and its ratio
 * to plaintext's, with the verdict of issue 15's goal (TLS sustains at least {@link #GOAL_RATIO} of plaintext); and
 * each daemon's CPU per MiB at the highest rate every transport held, so the CPU is compared at equal load. MB is
 * 10^6 bytes, MiB 2^20.
 */
final class RampReport {
    static final double GOAL_RATIO = TransportReport.GOAL_RATIO;

    private RampReport() {}

    static String markdown(SustainedRateRamp.Result r) {
        RampOptions o = r.options();
        StringBuilder md = new StringBuilder(r.machine().markdown(o.dir())).append('\n');
        md.append("| parameter | value |\n|---|---|\n")
                .append(TransportReport.pipelineRows(o.diskBytes(), o.blockSize(), o.ioDepth(),
                        o.compressiblePercent(), o.batchIntervalMs(), "at --rate per step"))
                .append("| steps | ").append(o.stepSeconds()).append(" s each, at most ").append(o.maxSteps())
                .append(" per transport, from ").append(mbps(o.startRate())).append(" MB/s doubling, then bisecting by ")
                .append(mbps(o.resolution())).append(" MB/s; after a ").append(o.warmupSeconds())
                .append(" s unmeasured warm-up step |\n")
                .append("| a step holds when | the tap stayed STREAMING (no bitmap mode, no resync), the replica drained,"
                        + " the end-to-end RPO over the step's last second stayed under ")
                .append(fmt("%.1f", o.maxRpoSeconds())).append(" s, and fio wrote at least 90% of the rate |\n\n");
        md.append("| transport | step | fio --rate MB/s | fio wrote MB/s | applied MB/s | tap mode | RPO at end s"
                + " | drain s | source / target / tap CPU µs/MiB | outcome |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (TransportRamp t : r.transports()) {
            int n = 0;
            for (RampStep s : t.steps()) {
                md.append("| ").append(t.transport().label()).append(" | ").append(++n).append(" | ")
                        .append(mbps(s.rate())).append(" | ").append(mbps(s.fioBytesPerSecond())).append(" | ")
                        .append(mbps(s.appliedBytesPerSecond())).append(" | ")
                        .append(s.phase().tapStayedStreaming() ? "STREAMING" : "fell to " + s.phase().worstTapMode())
                        .append(" | ").append(fmt("%.2f", s.rpoAtEndSeconds())).append(" | ")
                        .append(s.phase().drained() ? fmt("%.2f", s.phase().drainSeconds()) : "did not drain")
                        .append(" | ").append(costs(Optional.of(s))).append(" | ").append(s.outcome().meaning())
                        .append(" |\n");
            }
        }
        OptionalLong common = commonRate(r.transports());
        Optional<RampStep> plaintext = sustainedOf(r, Transport.PLAINTEXT);
        md.append("\n| transport | sustained: rate held | applied MB/s at it | first rate not held | ratio to plaintext"
                + " | CPU µs/MiB source / target / tap at ").append(common.isPresent()
                        ? mbps(common.getAsLong()) + " MB/s (held by all)" : "a rate all held (none)")
                .append(" | replica equals source |\n|---|---|---|---|---|---|---|\n");
        for (TransportRamp t : r.transports()) {
            Optional<RampStep> sustained = t.sustained();
            md.append("| ").append(t.transport().label()).append(" | ")
                    .append(sustained.map(s -> mbps(s.rate()) + " MB/s").orElse("none")).append(" | ")
                    .append(sustained.map(s -> mbps(s.appliedBytesPerSecond())).orElse("n/a")).append(" | ")
                    .append(t.lowestFailed().isPresent() ? mbps(t.lowestFailed().getAsLong()) + " MB/s"
                            : "none (the search ended)").append(" | ")
                    .append(ratio(sustained, plaintext)).append(" | ")
                    .append(common.isPresent() ? costs(t.heldAt(common.getAsLong())) : "n/a").append(" | ")
                    .append(replica(t)).append(" |\n");
        }
        md.append('\n');
        for (TransportRamp t : r.transports()) {
            if (t.transport().tls()) {
                md.append("TLS sustained rate >= ").append(GOAL_RATIO).append("x plaintext (")
                        .append(t.transport().label()).append("): ").append(verdict(t.sustained(), plaintext))
                        .append('\n');
            }
        }
        r.transports().stream().filter(t -> !t.problem().isEmpty()).forEach(t -> md.append("\n**")
                .append(t.transport().label()).append("** stopped early: ").append(t.problem()).append('\n'));
        return md.toString();
    }

    /** PASS or FAIL with the ratio, or n/a without both sustained rates. */
    static String verdict(Optional<RampStep> tls, Optional<RampStep> plaintext) {
        double ratio = ratioOf(tls, plaintext);
        return Double.isNaN(ratio) ? "n/a" : (ratio >= GOAL_RATIO ? "PASS" : "FAIL") + fmt(" (%.2fx)", ratio);
    }

    /**
     * The highest rate every transport held; empty when one held none. The searches share their doubling steps, so
     * such a rate exists whenever each held its first step.
     */
    static OptionalLong commonRate(List<TransportRamp> transports) {
        return transports.isEmpty() ? OptionalLong.empty() : transports.getFirst().steps().stream()
                .filter(RampStep::held).mapToLong(RampStep::rate)
                .filter(rate -> transports.stream().allMatch(t -> t.heldAt(rate).isPresent())).max();
    }

    private static Optional<RampStep> sustainedOf(SustainedRateRamp.Result r, Transport transport) {
        return r.transports().stream().filter(t -> t.transport() == transport).findFirst()
                .flatMap(TransportRamp::sustained);
    }

    private static double ratioOf(Optional<RampStep> step, Optional<RampStep> plaintext) {
        return step.isEmpty() || plaintext.isEmpty() ? Double.NaN
                : step.get().appliedBytesPerSecond() / plaintext.get().appliedBytesPerSecond();
    }

    private static String ratio(Optional<RampStep> step, Optional<RampStep> plaintext) {
        double ratio = ratioOf(step, plaintext);
        return Double.isNaN(ratio) ? "n/a" : fmt("%.2fx", ratio);
    }

    private static String costs(Optional<RampStep> step) {
        if (step.isEmpty()) {
            return "n/a";
        }
        StringBuilder text = new StringBuilder();
        for (Component c : TransportReport.COST_COLUMNS) {
            double micros = step.get().cpuMicrosPerMiB(c);
            text.append(text.isEmpty() ? "" : " / ").append(Double.isNaN(micros) ? "n/a" : fmt("%,.0f", micros));
        }
        return text.toString();
    }

    private static String replica(TransportRamp t) {
        return t.replica().map(c -> c.equal() ? "yes" : "**NO**: " + VerifyReportText.verdict(c).replace("|", "\\|"))
                .orElse("not compared");
    }

    private static String mbps(double bytesPerSecond) {
        return fmt("%.1f", bytesPerSecond / 1e6);
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
