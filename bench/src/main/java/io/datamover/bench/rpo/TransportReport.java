package io.datamover.bench.rpo;

import io.datamover.bench.Sizes;
import io.datamover.bench.rpo.DaemonPipeline.Component;
import io.datamover.bench.rpo.TransportComparison.Run;
import io.datamover.cli.VerifyReportText;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.DoubleStream;

/**
 * A {@link TransportComparison.Result} as markdown: machine and parameters, one row per run (its sustained rate as
 * phase 1 of {@link E2eReport} defines it, guest bytes applied while fio wrote, and its ratio to the plaintext run of
 * its round; each daemon's CPU per MiB; the tap's worst mode; all fio wrote over the time until the replica held
 * it), then each transport's mean over the rounds and the verdict of the goal: TLS sustains at least
 * {@link #GOAL_RATIO} of plaintext's rate. MB is 10^6 bytes; a MiB of
 * CPU cost is 2^20 guest bytes applied at the replica, and the CPU is the daemon's over the phase and its drain,
 * less the calibrated cost of the harness's admin reads.
 */
final class TransportReport {
    static final double GOAL_RATIO = 0.8;
    /** The daemons whose CPU per MiB the e2e reports give, in this order. */
    static final List<Component> COST_COLUMNS = List.of(Component.SOURCE, Component.TARGET, Component.TAP);

    private TransportReport() {}

    static String markdown(TransportComparison.Result r) {
        E2eOptions o = r.options();
        StringBuilder md = new StringBuilder(r.machine().markdown(o.dir())).append('\n');
        md.append("| parameter | value |\n|---|---|\n")
                .append("| seconds of fio per run | ").append(o.phaseSeconds())
                .append(o.warmupSeconds() == 0 ? "" : " measured, after " + o.warmupSeconds() + " unmeasured (warm-up)")
                .append(" |\n")
                .append(pipelineRows(o.diskBytes(), o.blockSize(), o.ioDepth(), o.compressiblePercent(),
                        o.batchIntervalMs(), "unthrottled"))
                .append("| runs | ").append(o.rounds()).append(o.rounds() == 1 ? " round" : " rounds")
                .append(" of ").append(String.join(", ", o.transports().stream().map(Transport::label).toList()))
                .append(", in that order |\n\n");
        md.append("| round | transport | sustained MB/s | ratio to plaintext | source gateway CPU µs/MiB"
                + " | target gateway CPU µs/MiB | tap CPU µs/MiB | tap mode | written until replicated MB/s"
                + " | replica equals source |\n").append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : r.runs()) {
            md.append("| ").append(run.round()).append(" | ").append(run.transport().label()).append(" | ")
                    .append(mbps(rate(run))).append(" | ").append(ratio(rate(run), plaintext(r.runs(), run.round())))
                    .append(" | ");
            for (Component c : COST_COLUMNS) {
                md.append(cost(cpuMicrosPerMiB(run, c))).append(" | ");
            }
            md.append(run.sustained().map(s -> s.tapStayedStreaming() ? "STREAMING" : "fell to " + s.worstTapMode())
                    .orElse("n/a")).append(" | ").append(mbps(run.sustained().filter(PhaseResult::drained)
                            .map(PhaseResult::writtenUntilDrainedBytesPerSecond).orElse(Double.NaN)))
                    .append(" | ").append(replica(run)).append(" |\n");
        }
        if (o.rounds() > 1) {
            md.append("\n| transport | mean sustained MB/s | ratio to plaintext | source gateway CPU µs/MiB"
                    + " | target gateway CPU µs/MiB | tap CPU µs/MiB |\n|---|---|---|---|---|---|\n");
            for (Transport t : o.transports()) {
                List<Run> runs = r.runs().stream().filter(run -> run.transport() == t).toList();
                md.append("| ").append(t.label()).append(" | ").append(mbps(meanRate(runs))).append(" | ")
                        .append(ratio(meanRate(runs), plaintext(r.runs()))).append(" | ");
                for (Component c : COST_COLUMNS) {
                    md.append(cost(mean(runs.stream().mapToDouble(run -> cpuMicrosPerMiB(run, c))))).append(" | ");
                }
                md.append('\n');
            }
        }
        md.append('\n');
        for (Transport t : o.transports()) {
            if (t.tls()) {
                md.append("TLS >= ").append(GOAL_RATIO).append("x plaintext (").append(t.label()).append(", mean of ")
                        .append(measured(r.runs(), t)).append(measured(r.runs(), t) == 1 ? " run" : " runs")
                        .append("): ")
                        .append(verdict(r.runs(), t)).append('\n');
            }
        }
        r.runs().stream().filter(run -> !run.problem().isEmpty()).forEach(run -> md.append("\n**round ")
                .append(run.round()).append(' ').append(run.transport().label()).append("**: ")
                .append(run.problem()));
        return md.toString();
    }

    /**
     * The parameter rows both e2e benches on daemons print: the disk and the daemons, fio's job ({@code rate}: how
     * fast it writes), the batching.
     */
    static String pipelineRows(long diskBytes, int blockSize, int ioDepth, int compressiblePercent, long batchMs,
            String rate) {
        return "| source disk | " + Sizes.human(diskBytes) + " sparse, one export; tap, source and target gateway each"
                + " a bin/datamover JVM, the gateways linked through an unlimited loopback proxy |\n"
                + "| workload | fio nbd engine, randwrite, bs " + Sizes.human(blockSize) + ", iodepth " + ioDepth + ", "
                + compressiblePercent + "% compressible buffers, " + rate + " |\n"
                + "| batch interval / max | " + batchMs + " ms / 8 MiB, LZ4 on |\n";
    }

    /** PASS or FAIL, or n/a without plaintext or TLS figures: the mean rate of {@code tls} against plaintext's. */
    static String verdict(List<Run> runs, Transport tls) {
        double ratio = meanRate(runs.stream().filter(r -> r.transport() == tls).toList()) / plaintext(runs);
        return Double.isNaN(ratio) ? "n/a" : (ratio >= GOAL_RATIO ? "PASS" : "FAIL") + fmt(" (%.2fx)", ratio);
    }

    /** How many of the transport's runs have a rate. */
    private static long measured(List<Run> runs, Transport t) {
        return runs.stream().filter(r -> r.transport() == t && !Double.isNaN(rate(r))).count();
    }

    /** Guest bytes applied per second during the phase; NaN when the run has no figures. */
    private static double rate(Run run) {
        return run.sustained().filter(PhaseResult::drained).map(PhaseResult::appliedBytesPerSecond).orElse(Double.NaN);
    }

    private static double plaintext(List<Run> runs, int round) {
        return meanRate(runs.stream().filter(r -> r.transport() == Transport.PLAINTEXT && r.round() == round).toList());
    }

    private static double plaintext(List<Run> runs) {
        return meanRate(runs.stream().filter(r -> r.transport() == Transport.PLAINTEXT).toList());
    }

    private static double meanRate(List<Run> runs) {
        return mean(runs.stream().mapToDouble(TransportReport::rate));
    }

    /** The mean of the runs that have the figure (NaN for the others); NaN when none has it. */
    private static double mean(DoubleStream values) {
        OptionalDouble mean = values.filter(v -> !Double.isNaN(v)).average();
        return mean.isPresent() ? mean.getAsDouble() : Double.NaN;
    }

    /**
     * The daemon's CPU, less its admin reads, per MiB the guest wrote (all of it applied once the phase drained);
     * NaN when the run has no figures.
     */
    static double cpuMicrosPerMiB(Run run, Component component) {
        if (run.sustained().isEmpty() || run.usage().isEmpty() || !run.sustained().get().drained()) {
            return Double.NaN;
        }
        return run.usage().get().cpuMicrosPerMiB(component, run.sustained().get().fioBytes());
    }

    private static String replica(Run run) {
        return run.replica().map(c -> c.equal() ? "yes" : "**NO**: " + VerifyReportText.verdict(c).replace("|", "\\|"))
                .orElse("not compared");
    }

    private static String ratio(double rate, double plaintext) {
        double ratio = rate / plaintext;
        return Double.isNaN(ratio) ? "n/a" : fmt("%.2fx", ratio);
    }

    private static String cost(double micros) {
        return Double.isNaN(micros) ? "n/a" : fmt("%,.0f", micros);
    }

    private static String mbps(double bytesPerSecond) {
        return Double.isNaN(bytesPerSecond) ? "n/a" : fmt("%.1f", bytesPerSecond / 1e6);
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
