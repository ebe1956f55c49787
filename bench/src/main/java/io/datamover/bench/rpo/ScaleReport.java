package io.datamover.bench.rpo;

import static io.datamover.bench.rpo.GuestPhaseTable.fmt;

import io.datamover.bench.process.ProcessResources;
import java.util.List;
import java.util.function.Function;

/** {@link ScaleBench}'s layouts as markdown: each daemon's threads, descriptors, RSS and heap, and its threads by kind. */
final class ScaleReport {
    private static final int KINDS_SHOWN = 12;

    private ScaleReport() {}

    static String markdown(MachineFacts machine, ScaleOptions o, List<ScaleBench.LayoutFigures> layouts) {
        StringBuilder out = new StringBuilder(machine.markdown(o.dir()));
        out.append("\n| parameter | value |\n|---|---|\n")
                .append("| groups | ").append(o.groups()).append(", a tap each (one JVM of real taps, plaintext),"
                        + " a 1 MiB sparse disk each, given every source gateway's address |\n")
                .append("| load | one 64 KiB write per group through its NBD export (qemu-io), until every replica"
                        + " equals its disk, then 5 s idle before the daemons are read |\n")
                .append("| layouts | one source gateway, --coordination none (today's); ").append(o.gateways())
                .append(" source gateways, --coordination zookeeper --max-group-moves ").append(o.maxGroupMoves())
                .append(" --zookeeper-session-timeout ").append(fmt("%.1f", o.sessionTimeoutSeconds()))
                .append(" (a ZooKeeper server in the bench's JVM); each with a fresh target gateway; every daemon a"
                        + " bin/datamover JVM with its defaults, --insecure-plaintext, --max-groups ")
                .append(o.groups()).append(" |\n\n");
        out.append("| layout | daemon | groups led | threads | descriptors | RSS MiB | heap used / committed MiB |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (ScaleBench.LayoutFigures layout : layouts) {
            for (ScaleBench.DaemonFigures source : layout.sources()) {
                out.append(row(layout, "source " + source.name(), source));
            }
            out.append(row(layout, "target", layout.target()));
        }
        out.append("\nThreads by kind (the kernel's thread names, digits as N), most first:\n\n");
        byKind(out, layouts, r -> r.topKinds(KINDS_SHOWN));
        out.append("\nDescriptors by kind (sockets, pipes, anonymous inodes, files by extension), most first:\n\n");
        byKind(out, layouts, r -> r.topDescriptorKinds(KINDS_SHOWN));
        out.append('\n');
        for (ScaleBench.LayoutFigures layout : layouts) {
            out.append(fmt("%s: every replica equal %.1f s after the writes began", label(layout),
                    layout.replicatedSeconds()));
            out.append(layout.gateways() > 1 ? fmt("; the groups spread %.1f s after the taps started; after the kill"
                    + " -9 of source %s, the others led every group at %.1f s and a second write per group was on every"
                    + " replica at %.1f s.%n", layout.spreadSeconds(), layout.sources().getFirst().name(),
                    layout.takeoverSeconds(), layout.takeoverReplicatedSeconds()) : fmt(".%n"));
        }
        return out.toString();
    }

    /** A line per daemon of every layout: what {@code kinds} says of its resources. */
    private static void byKind(StringBuilder out, List<ScaleBench.LayoutFigures> layouts,
            Function<ProcessResources, String> kinds) {
        for (ScaleBench.LayoutFigures layout : layouts) {
            for (ScaleBench.DaemonFigures daemon : layout.sources()) {
                out.append("- ").append(label(layout)).append(", source ").append(daemon.name()).append(": ")
                        .append(kinds.apply(daemon.resources())).append('\n');
            }
            out.append("- ").append(label(layout)).append(", target: ")
                    .append(kinds.apply(layout.target().resources())).append('\n');
        }
    }

    private static String label(ScaleBench.LayoutFigures layout) {
        return layout.gateways() == 1 ? "one gateway" : layout.gateways() + " gateways";
    }

    private static String row(ScaleBench.LayoutFigures layout, String daemon, ScaleBench.DaemonFigures f) {
        return fmt("| %s | %s | %d | %d | %d | %.0f | %.0f / %.0f |%n", label(layout), daemon, f.groupsLed(),
                f.resources().threads(), f.resources().descriptors(), f.resources().rssBytes() / 1048576.0,
                f.heapUsedBytes() / 1048576.0, f.heapCommittedBytes() / 1048576.0);
    }
}
