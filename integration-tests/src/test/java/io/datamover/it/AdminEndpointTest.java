package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.cli.Main;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.RpoObjectiveMonitor;
import io.datamover.cli.admin.RpoObjectives;
import io.datamover.cli.admin.SourceGatewayStatus;
import io.datamover.cli.admin.TapStatus;
import io.datamover.cli.admin.TargetGatewayStatus;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.support.Tools;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The admin ports of a tap, a source and a target gateway carrying real writes (qemu-io over NBD), read over real
 * HTTP: the Prometheus scrape has the series the operators alert on, with sensible values; {@code /status} says the
 * replica is UP_TO_DATE at the tap's last seq; {@code datamover status} prints it.
 */
class AdminEndpointTest {
    private static final long DISK = 64L << 20;
    private static final Duration CLIENT = Duration.ofSeconds(60);
    private static final Optional<InetSocketAddress> ANY_PORT = Optional.of(new InetSocketAddress("127.0.0.1", 0));

    @TempDir
    Path base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void scrapeAndStatusOfARunningPipeline() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Path source = Disks.sparse(base.resolve("vm-root.img"), DISK);
        PrometheusMeterRegistry tapMetrics = DaemonAdmin.newRegistry();
        PrometheusMeterRegistry sourceMetrics = DaemonAdmin.newRegistry();
        PrometheusMeterRegistry targetMetrics = DaemonAdmin.newRegistry();
        try (LocalPipeline pipeline = LocalPipeline.builder(base).export("root", source).consistencyGroup(4, "vm4")
                .metrics(tapMetrics, sourceMetrics, targetMetrics).start()) {
            SenderConfig sender = SenderConfig.builder("127.0.0.1", pipeline.source().address().getPort())
                    .identity("tap-local", LocalPipeline.PAIR)
                    .consistencyGroup(4, "vm4", ReplicatingTap.disksOf(pipeline.tap().tap().config())).build();
            try (DaemonAdmin tapAdmin = DaemonAdmin.start(ANY_PORT, tapMetrics,
                    new TapStatus("tap-local", pipeline.tap(), sender, tapMetrics));
                    DaemonAdmin sourceAdmin = DaemonAdmin.start(ANY_PORT, sourceMetrics, new SourceGatewayStatus(
                            "source-gateway", pipeline.source(), new RpoObjectiveMonitor(new RpoObjectives(30,
                                    Map.of()), pipeline.source()::consistencyGroups, sourceMetrics), sourceMetrics,
                            java.time.InstantSource.system()));
                    DaemonAdmin targetAdmin = DaemonAdmin.start(ANY_PORT, targetMetrics,
                            new TargetGatewayStatus("target-gateway", pipeline.target(), 1L << 30, targetMetrics))) {
                Tools.Result qemu = Tools.run(CLIENT, Tools.qemuIo(pipeline.nbdUri("root"),
                        "write -P 0x11 0 1M", "write -P 0x22 8M 256k", "write -z 16M 1M", "write -P 0x33 4096 4096"));
                assertThat(qemu.exitCode()).as(qemu.output()).isZero();
                await().atMost(Duration.ofSeconds(60)).until(pipeline::caughtUp);
                long lastSeq = pipeline.tap().tap().lastSeq();

                String sourceScrape = get(sourceAdmin, "/metrics");
                assertThat(value(sourceScrape, "datamover_source_receiver_records_total", "")).isEqualTo(lastSeq);
                assertThat(value(sourceScrape, "datamover_source_receiver_bytes_total", ""))
                        .isGreaterThanOrEqualTo((1 << 20) + (256 << 10) + 4096);
                assertThat(value(sourceScrape, "datamover_source_shipped_records_total", "cg=\"4\""))
                        .isEqualTo(lastSeq);
                assertThat(value(sourceScrape, "datamover_source_batch_records_count", "cg=\"4\"")).isPositive();
                assertThat(value(sourceScrape, "datamover_source_batch_size_bytes_sum", "cg=\"4\"")).isPositive();
                assertThat(value(sourceScrape, "datamover_source_rpo_seconds", "cg=\"4\"")).isZero();
                assertThat(value(sourceScrape, "datamover_source_lag_bytes", "cg=\"4\"")).isZero();
                assertThat(value(sourceScrape, "datamover_source_compression_ratio", "cg=\"4\"")).isGreaterThan(1);
                assertThat(value(sourceScrape, "datamover_source_rpo_objective_seconds", "cg=\"4\"")).isEqualTo(30);
                assertThat(value(sourceScrape, "datamover_source_rpo_objective_breached", "cg=\"4\"")).isZero();
                assertThat(sum(sourceScrape, "jvm_memory_used_bytes", "area=\"heap\"")).isPositive();

                String targetScrape = get(targetAdmin, "/metrics");
                assertThat(value(targetScrape, "datamover_target_applied_seq", "cg=\"4\"")).isEqualTo(lastSeq);
                assertThat(value(targetScrape, "datamover_target_apply_lag_seconds_count", "cg=\"4\"")).isPositive();
                assertThat(value(get(tapAdmin, "/metrics"), "datamover_sender_records_sent_total", "cg=\"4\""))
                        .isEqualTo(lastSeq);

                String targetStatus = get(targetAdmin, "/status");
                assertThat(targetStatus).contains("\"daemon\":\"target-gateway\"", "\"cg\":\"4\"",
                        "\"state\":\"UP_TO_DATE\"", "\"appliedSeq\":" + lastSeq + ",",
                        "\"consistentSeq\":" + lastSeq + ",",
                        "{\"name\":\"root\",\"sizeBytes\":null,\"state\":\"UP_TO_DATE\"}");
                assertThat(get(sourceAdmin, "/status")).contains("\"state\":\"STREAMING\"",
                        "\"appliedSeq\":" + lastSeq + ",", "\"lagSeconds\":0.000", "\"rpoBreached\":false");
                assertThat(get(tapAdmin, "/status")).contains("\"daemon\":\"tap\"", "\"state\":\"STREAMING\"",
                        "\"lastSeq\":" + lastSeq + ",", "\"lagSeconds\":0.000");

                StringWriter out = new StringWriter();
                int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).execute("status",
                        "--gateway", "127.0.0.1:" + sourceAdmin.address().orElseThrow().getPort());
                assertThat(exit).isZero();
                assertThat(out.toString()).contains("cg 4 (vm4) of pair " + LocalPipeline.PAIR + ": STREAMING",
                        "seq:        last " + lastSeq + ", applied " + lastSeq, "rpo:        0.0 s (objective 30.0 s)",
                        "disk root");
            }
        }
    }

    private String get(DaemonAdmin admin, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + admin.address().orElseThrow().getPort() + path);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
        return response.body();
    }

    /** The value of the first sample of {@code name} whose labels contain {@code label}, from Prometheus text. */
    /** The sum of every series of {@code name} whose labels contain {@code label} (e.g. all heap pools). */
    private static double sum(String scrape, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*}) (\\S+)$").matcher(scrape);
        double total = 0;
        while (m.find()) {
            if (m.group(1).contains(label)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    private static double value(String scrape, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(scrape);
        while (m.find()) {
            if (m.group(1) == null ? label.isEmpty() : m.group(1).contains(label)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(name + "{" + label + "} is not in the scrape:\n" + scrape);
    }
}
