package io.datamover.cli.admin;

import java.util.List;
import java.util.Locale;

/** Renders a {@link StatusReport} as JSON: field names as in the records, nulls for what the daemon cannot know. */
public final class StatusJson {
    private StatusJson() {}

    public static String render(StatusReport report) {
        StringBuilder out = new StringBuilder(512);
        out.append("{\"daemon\":").append(string(report.daemon()))
                .append(",\"id\":").append(string(report.id()))
                .append(",\"groups\":[");
        List<StatusReport.Group> groups = report.groups();
        for (int i = 0; i < groups.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            group(out, groups.get(i));
        }
        return out.append("],\"transport\":").append(transport(report.transport())).append(",\"link\":")
                .append(link(report.link())).append(",\"coordination\":").append(coordination(report.coordination()))
                .append("}\n").toString();
    }

    private static void group(StringBuilder out, StatusReport.Group g) {
        out.append("{\"cg\":").append(string(g.cg()))
                .append(",\"name\":").append(string(g.name()))
                .append(",\"pair\":").append(string(g.pair()))
                .append(",\"state\":").append(string(g.state()))
                .append(",\"lastSeq\":").append(g.lastSeq())
                .append(",\"appliedSeq\":").append(g.appliedSeq())
                .append(",\"consistentSeq\":").append(g.consistentSeq())
                .append(",\"lagSeconds\":").append(number(g.lagSeconds()))
                .append(",\"lagRecords\":").append(g.lagRecords())
                .append(",\"lagBytes\":").append(g.lagBytes())
                .append(",\"queueBytes\":").append(g.queueBytes())
                .append(",\"queueMaxBytes\":").append(g.queueMaxBytes())
                .append(",\"recordsPerSecond\":").append(number(g.recordsPerSecond()))
                .append(",\"bytesPerSecond\":").append(number(g.bytesPerSecond()))
                .append(",\"compressionRatio\":").append(number(g.compressionRatio()))
                .append(",\"rpoObjectiveSeconds\":").append(number(g.rpoObjectiveSeconds()))
                .append(",\"rpoBreached\":").append(g.rpoBreached())
                .append(",\"lastError\":").append(string(g.lastError()))
                .append(",\"role\":").append(string(g.role()))
                .append(",\"generation\":").append(string(g.generation()))
                .append(",\"operation\":").append(string(g.operation()))
                .append(",\"leadership\":").append(leadership(g.leadership()))
                .append(",\"disks\":[");
        for (int i = 0; i < g.disks().size(); i++) {
            StatusReport.Disk d = g.disks().get(i);
            out.append(i > 0 ? "," : "").append("{\"name\":").append(string(d.name()))
                    .append(",\"sizeBytes\":").append(d.sizeBytes())
                    .append(",\"state\":").append(string(d.state())).append('}');
        }
        out.append("]}");
    }

    private static String coordination(StatusReport.Coordination c) {
        if (c == null) {
            return "null";
        }
        return "{\"mode\":" + string(c.mode()) + ",\"site\":" + string(c.site()) + ",\"session\":"
                + string(c.session()) + "}";
    }

    private static String leadership(StatusReport.Leadership l) {
        if (l == null) {
            return "null";
        }
        return "{\"role\":" + string(l.role()) + ",\"epoch\":" + l.epoch() + ",\"leader\":" + string(l.leader())
                + ",\"leaderAddress\":" + string(l.leaderAddress()) + ",\"leaderEpoch\":" + l.leaderEpoch()
                + ",\"standbys\":[" + String.join(",", l.standbys().stream().map(StatusJson::string).toList())
                + "],\"takeovers\":" + l.takeovers() + ",\"lastTakeoverSeconds\":"
                + number(l.lastTakeoverSeconds()) + ",\"lastWaitSeconds\":" + number(l.lastWaitSeconds()) + "}";
    }

    private static String link(StatusReport.Link l) {
        if (l == null) {
            return "null";
        }
        return "{\"maxRateBytesPerSecond\":" + l.maxRateBytesPerSecond() + ",\"schedule\":" + string(l.schedule())
                + ",\"rpoLifted\":" + l.rpoLifted() + ",\"description\":" + string(l.description()) + "}";
    }

    private static String transport(StatusReport.Transport t) {
        if (t == null) {
            return "null";
        }
        return "{\"mode\":" + string(t.mode()) + ",\"provider\":" + string(t.provider()) + ",\"subject\":"
                + string(t.subject()) + ",\"serial\":" + string(t.serial()) + ",\"notAfter\":"
                + string(t.notAfter()) + ",\"expirySeconds\":" + number(t.expirySeconds()) + "}";
    }

    /** A JSON number, or null for an unknown or non-finite one (JSON has no NaN). */
    static String number(Double value) {
        if (value == null || !Double.isFinite(value)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** A JSON string with quotes, backslashes and control characters escaped, or null. */
    static String string(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
