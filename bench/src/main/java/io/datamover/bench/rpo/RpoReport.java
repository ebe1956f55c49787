package io.datamover.bench.rpo;

import io.datamover.bench.Sizes;
import io.datamover.bench.link.LinkSpec;
import io.datamover.cli.VerifyReportText;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The sweep as markdown: machine, parameters, one row per run for RPO and throughput, one for resources. */
final class RpoReport {
    private RpoReport() {}

    static String markdown(RpoOptions o, MachineFacts m, List<RunResult> runs, String command) {
        StringBuilder md = new StringBuilder("# RPO harness\n\n```sh\n").append(command).append("\n```\n\n");
        md.append(m.markdown(o.dir()));
        md.append("\n| parameter | value |\n|---|---|\n");
        row(md, "pipeline", "`datamover tap`, `source-gateway` and `target-gateway`, each its own JVM (`"
                + DaemonPipeline.COMPONENT_JAVA_OPTIONS + "`), read through their admin ports; the shipper's"
                + " connection through an emulated link (TCP proxy on loopback in the bench's JVM, Netty traffic"
                + " shaping)");
        row(md, "source disk", Sizes.human(o.diskBytes()) + " sparse, empty at the start of each run");
        row(md, "steady phase", o.seconds() + " s of fio (nbd engine) at " + mbps(o.rateBytesPerSecond())
                + " of writes, bs " + Sizes.human(o.blockSize()) + ", iodepth " + o.ioDepth() + ", "
                + (o.readPercent() == 0 ? "writes only" : o.readPercent() + "% reads") + ", "
                + (o.zipfTheta() == 0 ? "uniform" : "zipf " + o.zipfTheta()) + ", " + o.compressiblePercent()
                + "% compressible buffers");
        row(md, "burst", Sizes.human(o.burstBytes()) + " of the same I/O (reads included) unthrottled, then the"
                + " drain (fio's exit until the replica applied the tap's last write) is timed");
        row(md, "link", "one-way latency " + o.latency().toMillis() + " ms, each direction shaped to the run's"
                + " bandwidth" + (o.outages().isEmpty() ? ", no outages" : ", outages (from the steady phase's"
                + " start) " + o.outages().stream().map(LinkSpec.Outage::describe).collect(Collectors.joining(", "))));
        if (!o.sourceOptions().isEmpty()) {
            row(md, "source gateway", "started with `" + String.join(" ", o.sourceOptions()) + "`");
        }
        row(md, "RPO", "end-to-end, sampled every 100 ms during the steady phase: the age of the oldest write the"
                + " tap has ordered that the replica has not applied");
        md.append("\n## RPO and throughput\n\n| run | batch | batch max | LZ4 | link | RPO p50 / p99 / max (s)"
                + " | steady applied | burst written | drain after burst | burst throughput | wire / written"
                + " | replica |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RunResult r : runs) {
            RpoOptions.RunConfig c = r.config();
            Distribution d = r.rpo();
            cells(md, c.number(), c.batchMs() + " ms", Sizes.human(c.batchBytes()), c.compression() ? "on" : "off",
                    bandwidth(c.link()),
                    d.count() == 0 ? "n/a" : fmt("%.3f / %.3f / %.3f", d.p50(), d.p99(), d.max()),
                    r.steady().map(s -> mbps(s.appliedBytesPerSecond())).orElse("n/a"),
                    r.burst().map(b -> fmt("%.0f MB", b.fioBytes() / 1e6)).orElse("n/a"),
                    Double.isNaN(r.drainSeconds()) ? "n/a" : fmt("%.2f s", r.drainSeconds()),
                    Double.isNaN(r.burstThroughput()) ? "n/a" : mbps(r.burstThroughput()),
                    Double.isNaN(r.wirePerWrittenByte()) ? "n/a" : fmt("%.3f", r.wirePerWrittenByte()),
                    replica(r));
        }
        md.append("\n## CPU and memory per component\n\nEach component is its own JVM. CPU: user + system seconds of"
                + " the process over both phases (`/proc/<pid>/stat`, GC and JIT included); the emulated link's is its"
                + " threads' in the bench's JVM. RSS: `VmRSS` sampled every " + ResourceSampler.POLL_MS + " ms (with"
                + " the journal's and spool's mapped files). Heap: used, from the admin port's `/metrics`, same"
                + " samples. Direct: the larger of the JDK's direct pool (same samples) and Native Memory Tracking's"
                + " peak of \"Other\" since the JVM started (Netty's pooled arenas included). fio runs in its own"
                + " process and is not counted. The harness reads the daemons' admin ports (the tap's `/status` every 10"
                + " ms): *of which admin reads* is the CPU those requests cost, estimated as their number times the"
                + " CPU per request measured on each daemon at idle before the run (" + ResourceSampler.CALIBRATION_REQUESTS
                + " status reads in a row).\n\n| run | wall | component | CPU | of which admin reads | RSS peak"
                + " | RSS mean | heap peak | direct peak |\n|---|---|---|---|---|---|---|---|---|\n");
        for (RunResult r : runs) {
            if (r.usage().isEmpty()) {
                cells(md, r.config().number(), "n/a", "", "", "", "", "", "", "");
                continue;
            }
            ResourceSampler.Usage u = r.usage().get();
            String wall = fmt("%.1f s", u.wallSeconds());
            for (DaemonPipeline.Component c : DaemonPipeline.Component.values()) {
                ResourceSampler.ComponentUsage cu = u.components().get(c);
                cells(md, r.config().number(), wall, c.label(), fmt("%.1f s", cu.cpuSeconds()),
                        fmt("%.1f s (%,d requests)", cu.adminCpuSeconds(), cu.adminRequests()), mib(cu.peakRssBytes()),
                        mib(cu.meanRssBytes()), mib(cu.peakHeapBytes()), mib(cu.peakDirectBytes()));
                wall = "";
            }
            cells(md, r.config().number(), "", "emulated link", fmt("%.1f s", u.linkCpuSeconds()), "-", "-", "-", "-",
                    "-");
        }
        List<RunResult> failed = runs.stream().filter(r -> !r.problem().isEmpty()).toList();
        if (!failed.isEmpty()) {
            md.append("\n## Problems\n\n");
            failed.forEach(r -> md.append("- run ").append(r.config().number()).append(": ").append(r.problem())
                    .append('\n'));
        }
        md.append("\nPlots: `rpo-over-time-<run>.svg`, `rpo-p99-vs-batch-interval.svg`,"
                + " `throughput-vs-link-bandwidth.svg`. MB is 10^6 bytes.\n");
        return md.toString();
    }

    static String bandwidth(LinkSpec link) {
        return link.bitsPerSecond() == 0 ? "unlimited" : fmt("%d Mbit/s", link.bitsPerSecond() / 1_000_000);
    }

    private static String replica(RunResult r) {
        return r.replica().map(c -> c.equal() ? "equal" : "**DIFFERS**: " + VerifyReportText.verdict(c))
                .orElse("not compared");
    }

    private static void row(StringBuilder md, String left, String right) {
        cells(md, left, right);
    }

    private static void cells(StringBuilder md, Object... cells) {
        md.append('|');
        for (Object cell : cells) {
            md.append(' ').append(cell.toString().replace("|", "\\|")).append(" |");
        }
        md.append('\n');
    }

    private static String mbps(double bytesPerSecond) {
        return fmt("%.1f MB/s", bytesPerSecond / 1e6);
    }

    private static String mib(long bytes) {
        return fmt("%.0f MiB", bytes / (double) (1 << 20));
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
