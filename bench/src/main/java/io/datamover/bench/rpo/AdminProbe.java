package io.datamover.bench.rpo;

import io.datamover.bench.process.PrometheusText;
import io.datamover.tap.replication.ReplicationMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pipeline of daemons through their admin ports, as an operator's tools would: {@code GET /status} (the
 * JSON of {@code io.datamover.cli.admin.StatusJson}, one consistency group per daemon here) for seqs, modes and
 * the source gateway's RPO, the source gateway's {@code GET /metrics} for its shipping counters. A failed request
 * throws: a daemon that stops answering ends the run rather than reading as zero.
 */
final class AdminProbe implements PipelineProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String nbdUri;
    private final URI tapStatus;
    private final URI sourceStatus;
    private final URI sourceMetrics;
    private final URI targetStatus;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    AdminProbe(String nbdUri, int tapAdminPort, int sourceAdminPort, int targetAdminPort) {
        this.nbdUri = nbdUri;
        this.tapStatus = admin(tapAdminPort, "/status");
        this.sourceStatus = admin(sourceAdminPort, "/status");
        this.sourceMetrics = admin(sourceAdminPort, "/metrics");
        this.targetStatus = admin(targetAdminPort, "/status");
    }

    @Override
    public String nbdUri() {
        return nbdUri;
    }

    @Override
    public TapReading tap() {
        String json = get(tapStatus);
        return new TapReading(field(json, "state").map(ReplicationMode::valueOf).orElse(ReplicationMode.BITMAP),
                field(json, "lastSeq").map(Long::parseLong).orElse(0L));
    }

    @Override
    public TargetReading target() {
        String json = get(targetStatus);
        if (field(json, "cg").isEmpty()) {
            return TargetReading.NONE;
        }
        return new TargetReading(field(json, "lastSeq").map(Long::parseLong).orElse(0L),
                field(json, "appliedSeq").map(Long::parseLong).orElse(0L),
                field(json, "state").filter("UP_TO_DATE"::equals).isPresent() && field(json, "lastError").isEmpty());
    }

    @Override
    public Optional<SourceReading> source() {
        String json = get(sourceStatus);
        if (field(json, "cg").isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SourceReading(field(json, "lastSeq").map(Long::parseLong).orElse(0L),
                field(json, "lagSeconds").map(Double::parseDouble).orElse(0.0)));
    }

    @Override
    public ShipCounters shipped() {
        String text = get(sourceMetrics);
        return new ShipCounters(counter(text, "datamover_source_shipped_bytes_total"),
                counter(text, "datamover_source_wire_bytes_total"),
                counter(text, "datamover_source_coalesced_bytes_total"));
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

    private String get(URI uri) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("admin port unreadable: " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + uri, e);
        }
    }

    private static URI admin(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
