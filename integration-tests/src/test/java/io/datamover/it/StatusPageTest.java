package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.support.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page ({@code /}) of each daemon of a running pair (tap, source and target gateway as {@code
 * bin/datamover} processes) carrying real writes, rendered by headless Chromium: the group's row with its state, a
 * chart of its RPO (or lag) with points; then, the source gateway killed, the tap's page lists the error.
 * Screenshots in {@code target/status-page/}.
 */
class StatusPageTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Path SCREENSHOTS = Path.of("target", "status-page");
    /** Samples the page needs to draw a line: the admin ticker takes one a second. */
    private static final int SAMPLES = 3;
    private static final String CG = Integer.toString(ReplicationSite.CG);
    private static final Pattern POLYLINE = Pattern.compile("<polyline class=\"rpo\" points=\"([^\"]*)\"");
    private static final String TAP_ERROR = "not connected to the source gateway";

    @TempDir
    Path base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void eachDaemonsPageShowsItsGroupStateAChartAndTheErrors() throws Exception {
        Tools.assumeInstalled("qemu-io");
        HeadlessChromium.assumeInstalled();
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").start()) {
            Tools.Result qemu = Tools.run(DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                    + ReplicationSite.EXPORT, "write -P 0x11 0 1M", "write -P 0x22 8M 256k"));
            assertThat(qemu.exitCode()).as(qemu.output()).isZero();
            HeadlessChromium chromium = new HeadlessChromium(base.resolve("chromium-profile"));

            page(chromium, site.tapAdmin(), "tap", "STREAMING");
            page(chromium, site.sourceAdmin(), "source-gateway", "STREAMING");
            page(chromium, site.targetAdmin(), "target-gateway", "UP_TO_DATE");
            // The tap may have listed the error already, in its first second before it reached the source gateway.
            int listed = occurrences(get(site.tapAdmin(), "/status/history"), TAP_ERROR);

            site.killSource();
            await().atMost(DEADLINE).until(() -> occurrences(get(site.tapAdmin(), "/status/history"), TAP_ERROR)
                    > listed);
            String down = chromium.dumpDom("http://" + site.tapAdmin() + "/", SCREENSHOTS.resolve("tap-no-source.png"));

            assertThat(down).as(down).contains("<td class=\"error\">" + TAP_ERROR + "</td>")
                    .containsPattern("<ul id=\"errors\"><li>\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z cg " + CG + ": "
                            + TAP_ERROR + "</li>");
        }
    }

    /** Renders the page of {@code admin} once its group is in {@code state} with a few samples; checks the DOM. */
    private void page(HeadlessChromium chromium, String admin, String daemon, String state) throws Exception {
        // A daemon opens its admin port after its data port: until then the call is refused, which is not a failure.
        await().atMost(DEADLINE).ignoreExceptions().until(() -> samples(get(admin, "/status/history")) >= SAMPLES
                && get(admin, "/status").contains("\"state\":\"" + state + "\""));
        Path screenshot = SCREENSHOTS.resolve(daemon + ".png");

        String dom = chromium.dumpDom("http://" + admin + "/", screenshot);

        assertThat(dom).as(dom).contains("<title>datamover " + daemon + " ",
                "<tr class=\"group\" data-cg=\"" + CG + "\"><td>" + CG + "</td>",
                "<span class=\"state state-ok\">" + state + "</span>");
        Matcher chart = POLYLINE.matcher(dom);
        assertThat(chart.find()).as("a chart in\n" + dom).isTrue();
        assertThat(chart.group(1).split(" ")).as("the chart's points").hasSizeGreaterThanOrEqualTo(SAMPLES)
                .allMatch(point -> point.matches("-?[0-9.]+,[0-9.]+"));
        assertThat(Files.readAllBytes(screenshot)).hasSizeGreaterThan(1000).startsWith(0x89, 'P', 'N', 'G');
    }

    private static int occurrences(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    private static int samples(String history) {
        return history.split("\\[\\d{13},", -1).length - 1;
    }

    private String get(String admin, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(admin + path).isEqualTo(200);
        return response.body();
    }
}
