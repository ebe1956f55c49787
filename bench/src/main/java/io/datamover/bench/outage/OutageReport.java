package io.datamover.bench.outage;

import io.datamover.bench.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/** The markdown report of a tap-outage run: bounds against peaks, what the guest saw, a verdict, a time series. */
final class OutageReport {
    static final String WITHIN = "VERDICT: within bounds";
    static final String NOT_WITHIN = "VERDICT: NOT within bounds";

    private OutageReport() {}

    static String markdown(OutageResult r) {
        OutageOptions o = r.options();
        List<TapSample> samples = r.samples();
        List<String> problems = problems(r);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### Tap memory during a %s gateway outage%n%n", duration(o.outageSeconds())));
        md.append(String.format(Locale.ROOT, "fio: random 64 KiB writes, QD%d, unthrottled, time based, over a %s"
                + " sparse disk served by `datamover tap`; %d s with the gateway (`datamover ack-receiver`) up, then"
                + " the gateway is killed (SIGKILL) and fio writes on for %d s. The tap is sampled every %d ms.%n%n",
                OutageOptions.IO_DEPTH, Sizes.human(o.diskBytes()), o.leadSeconds(), o.outageSeconds(),
                o.sampleMillis()));
        md.append(r.machine().markdown(o.dir())).append('\n');
        md.append("| configured bound | value |\n|---|---|\n");
        md.append("| tap JVM options (`DATAMOVER_JAVA_OPTS`) | `").append(o.tapJavaOptions()).append("` |\n");
        md.append("| heap (-Xmx) | ").append(mib(o.heapBytes())).append(" |\n");
        md.append("| direct (-XX:MaxDirectMemorySize, also Netty's bound) | ").append(mib(o.directBytes())).append(" |\n");
        md.append("| window (--window) | ").append(mib(o.windowBytes())).append(" |\n");
        md.append("| dirty bitmap (disk / 64 KiB region / 8) | ").append(bitmapBytes(o.diskBytes())).append(" bytes |\n\n");
        md.append("| tap figure | bound | max | final |\n|---|---|---|---|\n");
        row(md, "heap used", mib(o.heapBytes()), samples, TapSample::heapBytes);
        row(md, "direct used (max of JDK pool, NMT Other)", mib(o.directBytes()), samples, TapSample::directBytes);
        row(md, "window bytes in use", mib(o.windowBytes()), samples, TapSample::windowBytes);
        row(md, "records unacknowledged", "-", samples, TapSample::unacknowledged);
        row(md, "RSS (VmRSS)", "none set (heap + direct + JVM)", samples, TapSample::rssBytes);
        md.append('\n');
        md.append("- bitmap mode: ").append(r.bitmapTransition().orElse("never entered")).append('\n');
        md.append("- bitmap mode from t = ").append(samples.stream().filter(TapSample::bitmapMode).findFirst()
                .map(s -> String.format(Locale.ROOT, "%.0f s", s.seconds())).orElse("never")).append(" (sampled)\n");
        md.append("- tap process alive at the end: ").append(r.tapAliveAtEnd() ? "yes" : "NO").append('\n');
        FioFigures f = r.fio();
        md.append(String.format(Locale.ROOT, "- guest (fio, whole run): %.1f MB/s, %s written, write completion"
                + " latency p99 %.1f ms, max %.1f ms, I/O errors %d, exit code %d%n%n", f.bytesPerSecond() / 1e6,
                mib(f.bytesWritten()), f.p99LatencyNanos() / 1e6, f.maxLatencyNanos() / 1e6, f.errors(),
                f.exitCode()));
        md.append(problems.isEmpty() ? WITHIN : NOT_WITHIN + ": " + String.join("; ", problems)).append("\n\n");
        md.append("| t (s after the gateway died) | heap MiB | direct MiB | RSS MiB | window MiB | unacked records |"
                + " mode |\n|---|---|---|---|---|---|---|\n");
        for (TapSample s : timeline(samples, o.outageSeconds() >= 180 ? 60 : Math.max(1, o.outageSeconds() / 10))) {
            md.append(String.format(Locale.ROOT, "| %.0f | %d | %d | %d | %d | %d | %s |%n", s.seconds(),
                    s.heapBytes() >> 20, s.directBytes() >> 20, s.rssBytes() >> 20, s.windowBytes() >> 20,
                    s.unacknowledged(), s.bitmapMode() ? "bitmap" : "streaming"));
        }
        return md.toString();
    }

    /** Why the run is not within bounds; empty when it is. */
    static List<String> problems(OutageResult r) {
        OutageOptions o = r.options();
        List<String> problems = new ArrayList<>();
        if (r.samples().isEmpty()) {
            problems.add("no samples");
            return problems;
        }
        check(problems, "heap", max(r.samples(), TapSample::heapBytes), o.heapBytes());
        check(problems, "direct", max(r.samples(), TapSample::directBytes), o.directBytes());
        check(problems, "window", max(r.samples(), TapSample::windowBytes), o.windowBytes());
        if (r.samples().stream().noneMatch(TapSample::bitmapMode)) {
            problems.add("the tap never went to bitmap mode");
        }
        if (!r.tapAliveAtEnd()) {
            problems.add("the tap process died");
        }
        if (!r.fio().clean()) {
            problems.add("fio saw errors (" + r.fio().errors() + ", exit " + r.fio().exitCode() + ")");
        }
        return problems;
    }

    private static void check(List<String> problems, String what, long max, long bound) {
        if (max < 0) {
            problems.add(what + " could not be read");
        } else if (max > bound) {
            problems.add(what + " peaked at " + mib(max) + " over its bound " + mib(bound));
        }
    }

    /** One sample per {@code stepSeconds} from the gateway's death (the first at or after each step), and the last. */
    static List<TapSample> timeline(List<TapSample> samples, int stepSeconds) {
        List<TapSample> rows = new ArrayList<>();
        double nextStep = 0;
        for (TapSample s : samples) {
            if (s.seconds() >= nextStep) {
                rows.add(s);
                while (nextStep <= s.seconds()) {
                    nextStep += stepSeconds;
                }
            }
        }
        if (!samples.isEmpty() && (rows.isEmpty() || rows.getLast() != samples.getLast())) {
            rows.add(samples.getLast());
        }
        return rows;
    }

    private static void row(StringBuilder md, String name, String bound, List<TapSample> samples,
            ToLongFunction<TapSample> figure) {
        boolean bytes = !name.startsWith("records");
        long max = max(samples, figure);
        long last = samples.isEmpty() ? -1 : figure.applyAsLong(samples.getLast());
        md.append("| ").append(name).append(" | ").append(bound).append(" | ")
                .append(bytes ? mib(max) : Long.toString(max)).append(" | ")
                .append(bytes ? mib(last) : Long.toString(last)).append(" |\n");
    }

    private static long max(List<TapSample> samples, ToLongFunction<TapSample> figure) {
        return samples.stream().mapToLong(figure).max().orElse(-1);
    }

    static long bitmapBytes(long diskBytes) {
        return (diskBytes / (64 << 10) + 7) / 8;
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "unreadable" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String duration(int seconds) {
        return seconds % 60 == 0 ? (seconds / 60) + "-minute" : seconds + "-second";
    }
}
