package io.datamover.bench.rpo;

import io.datamover.bench.Sizes;
import io.datamover.cli.VerifyReportText;
import java.util.Locale;

/** An {@link E2eResult} as markdown: machine, parameters, then the figures. MB is 10^6 bytes. */
public final class E2eReport {
    private E2eReport() {}

    public static String markdown(E2eResult r) {
        StringBuilder md = new StringBuilder();
        E2eOptions o = r.options();
        MachineFacts m = r.machine();
        md.append(m.markdown(o.dir())).append('\n');
        table(md, "parameter", "value");
        row(md, "seconds per phase", Integer.toString(o.phaseSeconds()));
        row(md, "source disk", Sizes.human(o.diskBytes()) + " sparse, one export, tap + source + target in one JVM");
        row(md, "workload", "fio nbd engine, randwrite, bs " + Sizes.human(o.blockSize()) + ", iodepth "
                + o.ioDepth() + ", " + o.compressiblePercent() + "% compressible buffers, refilled every write");
        row(md, "batch interval / max", o.batchIntervalMs() + " ms / 8 MiB, LZ4 on");
        row(md, "journal bound", o.journalMaxBytes() == 0 ? "pipeline default" : Sizes.human(o.journalMaxBytes()));
        md.append('\n');
        table(md, "result", "value");
        PhaseResult s = r.sustained();
        row(md, "phase 1: fio wrote (unthrottled)", mbps(s.fioBytesPerSecond()) + " (" + mb(s.fioBytes()) + " in "
                + secs(s.writeSeconds()) + ")");
        row(md, "**phase 1: sustained replication rate** (guest bytes applied at the replica)",
                "**" + mbps(s.appliedBytesPerSecond()) + "**");
        row(md, "phase 1: tap mode", s.tapStayedStreaming() ? "STREAMING throughout"
                : "fell to " + s.worstTapMode() + ": the source did not keep up, the rate above is not sustainable");
        row(md, "phase 1: drain after fio stopped", s.drained() ? secs(s.drainSeconds()) : "did not drain");
        row(md, "phase 1: wire bytes per written byte", fmt("%.3f", s.wirePerWrittenByte())
                + " (per shipped record byte " + fmt("%.3f", s.wirePerShippedByte()) + ", coalesced away "
                + mb(s.coalescedBytes()) + ")");
        row(md, "phase 1: RPO p50 / p99 / max (pipeline; end-to-end)", rpo(s.pipelineRpo()) + "; "
                + rpo(s.endToEndRpo()));
        row(md, "phase 1: oldest write waited at, slowest 10% of samples", stages(s));
        r.halfRate().ifPresent(h -> {
            row(md, "phase 2: fio rate limit / wrote", mbps(h.workload().rateBytesPerSecond()) + " / "
                    + mbps(h.fioBytesPerSecond()));
            row(md, "phase 2: applied at the replica", mbps(h.appliedBytesPerSecond()));
            row(md, "phase 2: tap mode", h.tapStayedStreaming() ? "STREAMING throughout" : "fell to "
                    + h.worstTapMode());
            row(md, "phase 2: RPO samples (every 100 ms)", Integer.toString(h.pipelineRpo().count()));
            row(md, "**phase 2: RPO p50 / p99 / max, pipeline** (source gateway's rpoSeconds)",
                    "**" + rpo(h.pipelineRpo()) + "**");
            row(md, "**phase 2: RPO p50 / p99 / max, end-to-end** (tap seq to replica applied)",
                    "**" + rpo(h.endToEndRpo()) + "**");
            row(md, "phase 2: oldest write waited at, slowest 10% of samples", stages(h));
            row(md, "phase 2: goal p99 < 1 s", "pipeline " + verdict(h.pipelineRpo()) + ", end-to-end "
                    + verdict(h.endToEndRpo()));
            row(md, "phase 2: drain after fio stopped", h.drained() ? secs(h.drainSeconds()) : "did not drain");
        });
        r.replica().ifPresent(c -> row(md, "replica equals source", c.equal()
                ? "yes (" + mb(c.bytesRead()) + " of data extents read)" : "**NO**: " + VerifyReportText.verdict(c)));
        if (!r.problem().isEmpty()) {
            row(md, "**run stopped early**", r.problem());
        }
        return md.toString();
    }

    private static String stages(PhaseResult p) {
        if (p.slowestTenthWaitedAt().isEmpty()) {
            return "no samples";
        }
        StringBuilder text = new StringBuilder();
        for (WaitStage stage : WaitStage.values()) {
            int n = p.slowestTenthWaitedAt().getOrDefault(stage, 0);
            if (n > 0) {
                text.append(text.isEmpty() ? "" : ", ").append(stage.label()).append(' ').append(n);
            }
        }
        return text.toString();
    }

    private static String verdict(Distribution d) {
        if (d.count() == 0) {
            return "n/a";
        }
        return d.p99() < E2eResult.RPO_GOAL_SECONDS ? "PASS" : "FAIL";
    }

    private static String rpo(Distribution d) {
        return d.count() == 0 ? "no samples"
                : fmt("%.3f / %.3f / %.3f s", d.p50(), d.p99(), d.max());
    }

    private static void table(StringBuilder md, String left, String right) {
        md.append("| ").append(left).append(" | ").append(right).append(" |\n|---|---|\n");
    }

    private static void row(StringBuilder md, String left, String right) {
        md.append("| ").append(left).append(" | ").append(right.replace("|", "\\|")).append(" |\n");
    }

    private static String mbps(double bytesPerSecond) {
        return fmt("%.1f MB/s", bytesPerSecond / 1e6);
    }

    private static String mb(long bytes) {
        return fmt("%,.0f MB", bytes / 1e6);
    }

    private static String secs(double seconds) {
        return fmt("%.2f s", seconds);
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
