package io.datamover.bench.rpo;

import io.datamover.bench.process.PrometheusText;
import io.datamover.tap.replication.ReplicationMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pipeline of daemons through their admin ports, as an operator's tools would: {@code GET /status} (the
 * JSON of {@code io.datamover.cli.admin.StatusJson}, one consistency group per daemon here) for seqs, modes and
 * the source gateway's RPO, the source gateway's {@code GET /metrics} for its shipping counters.
 */
final class AdminProbe implements PipelineProbe {
    private final String nbdUri;
    private final AdminClient admin;
    private final int tapPort;
    private final int sourcePort;
    private final int targetPort;

    AdminProbe(String nbdUri, AdminClient admin, int tapAdminPort, int sourceAdminPort, int targetAdminPort) {
        this.nbdUri = nbdUri;
        this.admin = admin;
        this.tapPort = tapAdminPort;
        this.sourcePort = sourceAdminPort;
        this.targetPort = targetAdminPort;
    }

    @Override
    public String nbdUri() {
        return nbdUri;
    }

    @Override
    public TapReading tap() {
        String json = admin.get(tapPort, "/status");
        return new TapReading(field(json, "state").map(ReplicationMode::valueOf).orElse(ReplicationMode.BITMAP),
                field(json, "lastSeq").map(Long::parseLong).orElse(0L));
    }

    @Override
    public TargetReading target() {
        String json = admin.get(targetPort, "/status");
        if (field(json, "cg").isEmpty()) {
            return TargetReading.NONE;
        }
        return new TargetReading(field(json, "lastSeq").map(Long::parseLong).orElse(0L),
                field(json, "appliedSeq").map(Long::parseLong).orElse(0L),
                field(json, "state").filter("UP_TO_DATE"::equals).isPresent() && field(json, "lastError").isEmpty());
    }

    @Override
    public Optional<SourceReading> source() {
        String json = admin.get(sourcePort, "/status");
        if (field(json, "cg").isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SourceReading(field(json, "lastSeq").map(Long::parseLong).orElse(0L),
                field(json, "lagSeconds").map(Double::parseDouble).orElse(0.0)));
    }

    @Override
    public ShipCounters shipped() {
        String text = admin.get(sourcePort, "/metrics");
        return new ShipCounters(counter(text, "datamover_source_shipped_bytes_total"),
                counter(text, "datamover_source_wire_bytes_total"),
                counter(text, "datamover_source_coalesced_bytes_total"));
    }

    /**
     * Guest bytes the target's applier has written into the replicas so far ({@code
     * datamover_applier_bytes_written_bytes_total}: data records and resync copies alike, holes punched not counted);
     * 0 before the group opened.
     */
    long appliedBytes() {
        return counter(admin.get(targetPort, "/metrics"), "datamover_applier_bytes_written_bytes_total");
    }

    /** The tap's admin port, for the operator's calls a bench makes (migrate). */
    int tapAdminPort() {
        return tapPort;
    }

    /** The target gateway's admin port, for the operator's calls a bench makes (rehearse, verify). */
    int targetAdminPort() {
        return targetPort;
    }

    /** The source gateway's admin port, for the operator's calls a bench makes (verify). */
    int sourceAdminPort() {
        return sourcePort;
    }

    private static long counter(String exposition, String name) {
        return Math.max(0, PrometheusText.sum(exposition, name, ""));
    }

    /**
     * The first value of {@code name} in a status JSON, unquoted; empty when absent or null. The daemons here serve
     * one group, whose fields come before its disks'.
     */
    static Optional<String> field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(null|-?[0-9.eE+]+|\"((?:[^\"\\\\]|\\\\.)*)\")")
                .matcher(json);
        if (!m.find() || m.group(1).equals("null")) {
            return Optional.empty();
        }
        return Optional.of(m.group(2) != null ? m.group(2) : m.group(1));
    }
}
