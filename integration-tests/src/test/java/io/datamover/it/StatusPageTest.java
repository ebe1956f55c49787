package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of each admin port ({@code /}) of a pipeline carrying real writes, rendered by headless Chromium:
 * the group's row with its state, a chart of its RPO (or lag) with points, the error list; screenshots in
 * {@code target/status-page/}.
 */
class StatusPageTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Optional<InetSocketAddress> ANY_PORT = Optional.of(new InetSocketAddress("127.0.0.1", 0));
    private static final Path SCREENSHOTS = Path.of("target", "status-page");
    /** Samples the page needs to draw a line: the admin ticker takes one a second. */
    private static final int SAMPLES = 3;
    private static final Pattern POLYLINE = Pattern.compile("<polyline class=\"rpo\" points=\"([^\"]*)\"");

    @TempDir
    Path base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void eachDaemonsPageShowsItsGroupStateAndAChart() throws Exception {
        Tools.assumeInstalled("qemu-io");
        HeadlessChromium.assumeInstalled();
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
                                    Map.of()), pipeline.source()::consistencyGroups, sourceMetrics)));
                    DaemonAdmin targetAdmin = DaemonAdmin.start(ANY_PORT, targetMetrics,
                            new TargetGatewayStatus("target-gateway", pipeline.target(), 1L << 30, targetMetrics))) {
                Tools.Result qemu = Tools.run(DEADLINE, Tools.qemuIo(pipeline.nbdUri("root"),
                        "write -P 0x11 0 1M", "write -P 0x22 8M 256k"));
                assertThat(qemu.exitCode()).as(qemu.output()).isZero();
                await().atMost(DEADLINE).until(pipeline::caughtUp);
                HeadlessChromium chromium = new HeadlessChromium(base.resolve("chromium-profile"));

                assertPage(chromium, tapAdmin, "tap", "STREAMING");
                assertPage(chromium, sourceAdmin, "source-gateway", "STREAMING");
                assertPage(chromium, targetAdmin, "target-gateway", "UP_TO_DATE");
            }
        }
    }

    private void assertPage(HeadlessChromium chromium, DaemonAdmin admin, String daemon, String state)
            throws Exception {
        String root = "http://127.0.0.1:" + admin.address().orElseThrow().getPort();
        await().atMost(DEADLINE).until(() -> samples(get(root + "/status/history")) >= SAMPLES
                && get(root + "/status").contains("\"state\":\"" + state + "\""));
        Path screenshot = SCREENSHOTS.resolve(daemon + ".png");

        String dom = chromium.dumpDom(root + "/", screenshot);

        assertThat(dom).as(dom).contains("<title>datamover " + daemon + " ",
                "<tr class=\"group\" data-cg=\"4\"><td>4</td>",
                "<span class=\"state state-ok\">" + state + "</span>", "<ul id=\"errors\"><li class=\"none\">none</li>");
        Matcher chart = POLYLINE.matcher(dom);
        assertThat(chart.find()).as("a chart in\n" + dom).isTrue();
        assertThat(chart.group(1).split(" ")).as("the chart's points").hasSizeGreaterThanOrEqualTo(SAMPLES)
                .allMatch(point -> point.matches("-?[0-9.]+,[0-9.]+"));
        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png).hasSizeGreaterThan(1000).startsWith(0x89, 'P', 'N', 'G');
    }

    private static int samples(String history) {
        return history.split("\\[\\d{13},", -1).length - 1;
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }
}
