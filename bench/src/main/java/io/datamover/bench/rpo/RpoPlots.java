package io.datamover.bench.rpo;

import io.datamover.bench.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** The sweep's plots as SVG files: RPO over time per run, RPO p99 against batch interval, throughput against bandwidth. */
final class RpoPlots {
    private RpoPlots() {}

    /** Writes every plot into {@code dir} and returns the files written. */
    static List<Path> write(List<RunResult> runs, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        for (RunResult r : runs) {
            Series s = r.steady().map(PhaseResult::endToEndSeries).orElse(Series.empty());
            SvgChart chart = new SvgChart("RPO over time, run " + r.config().number() + " (" + label(r, true) + ")",
                    "seconds since the steady phase began", "end-to-end RPO (s)")
                    .line("run " + r.config().number(), s.atSeconds(), s.values());
            written.add(save(dir.resolve("rpo-over-time-" + r.config().number() + ".svg"), chart));
        }
        written.add(save(dir.resolve("rpo-p99-vs-batch-interval.svg"), grouped(runs,
                new SvgChart("RPO p99 against batch interval", "batch interval (ms)", "end-to-end RPO p99 (s)"),
                r -> label(r, false) + ", " + RpoReport.bandwidth(r.config().link()),
                r -> r.config().batchMs(), r -> r.rpo().p99())));
        written.add(save(dir.resolve("throughput-vs-link-bandwidth.svg"), grouped(
                runs.stream().filter(r -> r.config().link().bitsPerSecond() > 0).toList(),
                new SvgChart("Burst throughput against link bandwidth", "link bandwidth (Mbit/s)",
                        "guest MB/s until the replica caught up"),
                r -> r.config().batchMs() + " ms, " + label(r, false),
                r -> r.config().link().bitsPerSecond() / 1e6, r -> r.burstThroughput() / 1e6)));
        return written;
    }

    /** One line per group of runs that differ only in the x value, points sorted by x. */
    private static SvgChart grouped(List<RunResult> runs, SvgChart chart, Function<RunResult, String> group,
            ToDoubleFunction<RunResult> x, ToDoubleFunction<RunResult> y) {
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        runs.forEach(r -> groups.computeIfAbsent(group.apply(r), k -> new ArrayList<>()).add(r));
        groups.forEach((name, members) -> {
            List<RunResult> sorted = members.stream()
                    .sorted(java.util.Comparator.comparingDouble(x)).toList();
            chart.line(name, sorted.stream().mapToDouble(x).toArray(), sorted.stream().mapToDouble(y).toArray());
        });
        return chart;
    }

    private static String label(RunResult r, boolean withInterval) {
        RpoOptions.RunConfig c = r.config();
        return (withInterval ? c.batchMs() + " ms, " : "") + Sizes.human(c.batchBytes()) + ", LZ4 "
                + (c.compression() ? "on" : "off") + (withInterval ? ", " + RpoReport.bandwidth(c.link()) : "");
    }

    private static Path save(Path file, SvgChart chart) throws IOException {
        Files.writeString(file, chart.svg());
        return file;
    }
}
