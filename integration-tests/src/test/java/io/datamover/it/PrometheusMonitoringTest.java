package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.bench.link.LinkSpec;
import io.datamover.tap.support.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped monitoring against a running pair (tap, source and target gateway as {@code bin/datamover} processes
 * with mutual TLS, the gateways joined by an emulated link): every metric the alert rules and the Grafana dashboard
 * query is in the daemons' scrapes; a real Prometheus server scrapes the three admin ports, answers for
 * {@code datamover_source_rpo_seconds} and every dashboard query (with data), evaluates every rule expression, and
 * fires the RPO alert once the link is stalled under a write, and the target-unreachable alert once the target
 * gateway is killed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusMonitoringTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Duration CLIENT = Duration.ofSeconds(60);
    /** Short, so that a stalled link crosses it within seconds. */
    private static final String RPO_OBJECTIVE_SECONDS = "3";

    private Path base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ReplicationSite site;

    @BeforeAll
    void startPair(@TempDir Path dir) throws Exception {
        Tools.assumeInstalled("qemu-io");
        base = dir;
        site = new ReplicationSite(base, DISK, "8M", List.of("--rpo-objective", RPO_OBJECTIVE_SECONDS)).start();
        write("write -P 0x5a 0 1M");
        await().atMost(DEADLINE).until(() -> AdminMetrics.sum(site.targetAdmin(), "datamover_target_group_state",
                "state=\"UP_TO_DATE\"") == 1);
    }

    @AfterAll
    void stopPair() throws Exception {
        if (site != null) {
            site.close();
        }
    }

    @Test
    @Order(1)
    void everyMetricTheRulesAndTheDashboardQueryIsExported() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (String admin : List.of(site.tapAdmin(), site.sourceAdmin(), site.targetAdmin())) {
            exported.addAll(MonitoringFiles.scrapedNames(get(admin, "/metrics")));
        }
        Set<String> rules = MonitoringFiles.metricNames(MonitoringFiles.ruleExpressions());
        Set<String> dashboard = MonitoringFiles.metricNames(MonitoringFiles.dashboardExpressions());

        assertThat(rules).as("metric names in the alert rules").hasSizeGreaterThanOrEqualTo(10);
        assertThat(dashboard).as("metric names in the dashboard").hasSizeGreaterThanOrEqualTo(15);
        assertThat(exported).as("names the three daemons export").containsAll(rules).containsAll(dashboard);
    }

    @Test
    @Order(2)
    void prometheusScrapesThePairAndFiresTheRpoAlertWhenTheLinkStalls() throws Exception {
        Tools.assumeInstalled("prometheus");
        try (PrometheusServer prometheus = PrometheusServer.start(base.resolve("prometheus"), Map.of(
                "datamover-tap", site.tapAdmin(), "datamover-source", site.sourceAdmin(),
                "datamover-target", site.targetAdmin()))) {
            await().atMost(DEADLINE).until(() -> prometheus.query("datamover_source_rpo_seconds")
                    .contains("\"job\":\"datamover-source\""));
            String rpo = prometheus.query("datamover_source_rpo_seconds");
            assertThat(rpo).contains("\"status\":\"success\"", "\"__name__\":\"datamover_source_rpo_seconds\"",
                    "\"cg\":\"" + ReplicationSite.CG + "\"");
            await().atMost(DEADLINE).until(() -> prometheus.query("up == 1").split("\"__name__\":\"up\"").length == 4);
            List<String> panels = MonitoringFiles.dashboardExpressions().stream()
                    .map(q -> q.replace("$source", ".*")).toList();
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(panels).allSatisfy(q -> assertThat(
                    prometheus.query(q)).as(q).contains("\"status\":\"success\"").doesNotContain("\"result\":[]")));
            assertThat(MonitoringFiles.ruleExpressions()).allSatisfy(rule -> assertThat(prometheus.query(rule))
                    .as(rule).contains("\"status\":\"success\""));
            assertThat(prometheus.firing("DatamoverRpoObjectiveBreached")).as(prometheus.alerts()).isFalse();

            site.linkOutage(DEADLINE.multipliedBy(2), LinkSpec.Outage.Kind.STALL);
            try {
                write("write -P 0x6b 4M 64k");
                await().atMost(DEADLINE).until(() -> prometheus.firing("DatamoverRpoObjectiveBreached"));
            } finally {
                site.link().endOutage();
            }
            assertThat(prometheus.alerts()).contains("\"cg\":\"" + ReplicationSite.CG + "\"",
                    "\"severity\":\"critical\"", "past its RPO objective");
            // A slow machine may have hit the ack timeout during the stall: the link is made again after it.
            await().atMost(DEADLINE).until(() -> !prometheus.firing("DatamoverTargetUnreachable"));

            site.killTarget();
            await().atMost(DEADLINE).until(() -> prometheus.firing("DatamoverTargetUnreachable"));
        }
    }

    private void write(String command) throws Exception {
        Tools.Result qemu = Tools.run(CLIENT, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, command));
        assertThat(qemu.exitCode()).as(qemu.output()).isZero();
    }

    private String get(String admin, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
