package io.datamover.cli.admin;

import java.util.Locale;

/**
 * Renders a {@link StatusReport} for people: one block per consistency group, one line per disk, in seconds, MiB
 * and ratios; "-" for what the daemon cannot know.
 */
public final class StatusText {
    private static final double MIB = 1024.0 * 1024.0;

    private StatusText() {}

    public static String render(StatusReport report) {
        StringBuilder out = new StringBuilder(512);
        out.append(report.daemon()).append(' ').append(report.id()).append(": ")
                .append(report.groups().size()).append(report.groups().size() == 1 ? " consistency group" :
                        " consistency groups").append('\n');
        StatusReport.Transport t = report.transport();
        if (t != null && t.provider() == null) {
            line(out, "transport: %s (no certificates: anyone who reaches the ports is trusted)", t.mode());
        } else if (t != null) {
            line(out, "transport: %s (%s), certificate '%s' serial %s, expires %s (in %.1f days)", t.mode(),
                    t.provider(), t.subject(), t.serial(), t.notAfter(), t.expirySeconds() / 86_400);
        }
        if (report.link() != null) {
            line(out, "link:      %s", report.link().description());
        }
        StatusReport.Coordination c = report.coordination();
        if (c != null) {
            line(out, "coordination: %s%s, site %s, ZooKeeper session %s", c.mode(),
                    "embedded".equals(c.mode()) ? " (not highly available)" : "", c.site(), c.session());
        }
        for (StatusReport.Group g : report.groups()) {
            out.append('\n');
            line(out, "cg %s%s of pair %s: %s", g.cg(), g.name() == null ? "" : " (" + g.name() + ")", g.pair(),
                    g.state());
            if (g.role() != null) {
                line(out, "  role:       %s, generation %s%s", g.role(), g.generation() == null ? "none"
                        : g.generation(), g.operation() == null ? "" : "; in progress: " + g.operation());
            } else if (g.operation() != null) {
                line(out, "  operation:  %s", g.operation()); // a tap's: a planned migration's hold or move
            }
            if (g.leadership() != null) {
                leadership(out, g.leadership());
            }
            line(out, "  seq:        last %s, applied %s, last consistent image %s", integer(g.lastSeq()),
                    integer(g.appliedSeq()), integer(g.consistentSeq()));
            line(out, "  lag:        %s, %s records, %s", seconds(g.lagSeconds()), integer(g.lagRecords()),
                    mib(g.lagBytes()));
            line(out, "  rpo:        %s%s%s", seconds(g.lagSeconds()),
                    g.rpoObjectiveSeconds() == null ? "" : " (objective " + seconds(g.rpoObjectiveSeconds()) + ")",
                    g.rpoBreached() ? " BREACHED" : "");
            line(out, "  queue:      %s of %s", mib(g.queueBytes()), mib(g.queueMaxBytes()));
            line(out, "  throughput: %s records/s, %s/s", decimal(g.recordsPerSecond()), mib(g.bytesPerSecond()));
            line(out, "  compression: %s", g.compressionRatio() == null ? "-"
                    : String.format(Locale.ROOT, "%.2fx", g.compressionRatio()));
            line(out, "  last error: %s", g.lastError() == null ? "none" : g.lastError());
            for (StatusReport.Disk d : g.disks()) {
                line(out, "  disk %-16s %10s  %s", d.name(), mib(d.sizeBytes()), d.state());
            }
        }
        return out.toString();
    }

    private static void leadership(StringBuilder out, StatusReport.Leadership l) {
        line(out, "  leader:     %s%s%s; here %s, epoch %d; standbys %s", l.leader() == null ? "none known"
                : l.leader(), l.leaderAddress() == null ? "" : " at " + l.leaderAddress(),
                l.leader() == null ? "" : " under epoch " + l.leaderEpoch(), l.role(), l.epoch(),
                l.standbys().isEmpty() ? "none" : String.join(", ", l.standbys()));
        line(out, "  takeovers:  %d here%s", l.takeovers(), l.takeovers() == 0 ? "" : String.format(Locale.ROOT,
                ", the latest took %.3f s from the lock coming here (waited %.1f s for it)",
                orZero(l.lastTakeoverSeconds()), orZero(l.lastWaitSeconds())));
    }

    private static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static String integer(Long value) {
        return value == null ? "-" : Long.toString(value);
    }

    private static String decimal(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String seconds(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f s", value);
    }

    private static String mib(Number bytes) {
        return bytes == null ? "-" : String.format(Locale.ROOT, "%.1f MiB", bytes.doubleValue() / MIB);
    }
}
