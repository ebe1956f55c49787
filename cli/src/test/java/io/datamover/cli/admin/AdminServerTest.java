package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port over a real loopback socket, read with a real HTTP client. */
class AdminServerTest {
    private final PrometheusMeterRegistry registry = DaemonAdmin.newRegistry();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AdminServer server;

    @BeforeEach
    void start() throws Exception {
        Counter.builder("datamover.test.records").tag("cg", "7").register(registry).increment(42);
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), registry, Reports::report);
    }

    @AfterEach
    void stop() {
        server.close();
        client.close();
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        HttpResponse<String> response = get("/metrics", "GET");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(response.body()).contains("# TYPE datamover_test_records_total counter",
                "datamover_test_records_total{cg=\"7\"} 42.0");
    }

    @Test
    void statusIsJsonOrTheTable() throws Exception {
        HttpResponse<String> json = get("/status", "GET");
        HttpResponse<String> text = get("/status?format=text", "GET");

        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json.body()).isEqualTo(StatusJson.render(Reports.report()));
        assertThat(text.body()).isEqualTo(StatusText.render(Reports.report()));
        assertThat(get("/health", "GET").body()).isEqualTo("ok\n");
    }

    @Test
    void theStatusPageItsScriptAndTheHistoryItCharts() throws Exception {
        server.close();
        StatusHistory history = new StatusHistory(() -> java.time.Instant.ofEpochMilli(5000), 10);
        history.record(Reports.report());
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), registry, Reports::report,
                AdminActions.NONE, history, AdminAuthorization.NONE);

        HttpResponse<String> page = get("/", "GET");
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<table id=\"groups\">", "<script src=\"status.js\">");
        assertThat(get("/status.js", "GET").body()).contains("fetch(path");
        assertThat(get("/status/history", "GET").body()).isEqualTo(history.json())
                .contains("\"samples\":[[5000,12.340,20]]");
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertThat(get("/nothing", "GET").statusCode()).isEqualTo(404);
        HttpResponse<String> put = get("/metrics", "PUT");
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
        assertThat(get("/metrics", "POST").statusCode()).as("a daemon without actions").isEqualTo(404);
    }

    @Test
    void aPostRunsTheDaemonsActionWithItsDecodedParametersForTheTokensHolder() throws Exception {
        Map<String, String> seen = serveActions(new AdminAuthorization(Optional.of(token())));
        HttpResponse<String> post = post("/resync?cg=7&discard=re%70lica", TOKEN_HEADER);
        assertThat(post.statusCode()).isEqualTo(409);
        assertThat(post.body()).isEqualTo("not diverged\n");
        assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of("cg", "7", "discard", "replica"));
        assertThat(post("/other", TOKEN_HEADER).statusCode()).isEqualTo(404);
        assertThat(registry.get("datamover.admin.requests.accepted").counter().count()).isEqualTo(2);
    }

    @Test
    void aPostWithoutTheTokenIsRefusedCountedAndNotRun() throws Exception {
        Map<String, String> seen = serveActions(new AdminAuthorization(Optional.of(token())));
        HttpResponse<String> none = post("/resync?cg=7&discard=replica", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith(
                "Bearer"));
        assertThat(none.body()).contains("--admin-token-file");
        HttpResponse<String> wrong = post("/resync?cg=7&discard=replica", "Bearer not-the-secret-of-this-daemon");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(seen).as("no action ran").isEmpty();
        assertThat(registry.get("datamover.admin.requests.refused").tag("reason", "missing").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("datamover.admin.requests.refused").tag("reason", "wrong").counter().count())
                .isEqualTo(1);
        assertThat(get("/status", "GET").statusCode()).as("reading stays open").isEqualTo(200);
    }

    @Test
    void aDaemonStartedWithoutATokenRefusesEveryPost() throws Exception {
        Map<String, String> seen = serveActions(AdminAuthorization.NONE);
        HttpResponse<String> post = post("/resync?cg=7&discard=replica", TOKEN_HEADER);
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(post.body()).contains("start it with --admin-token-file");
        assertThat(seen).isEmpty();
        assertThat(registry.get("datamover.admin.requests.refused").tag("reason", "no-token-configured").counter()
                .count()).isEqualTo(1);
    }

    private static final String SECRET = "s3cret-of-the-operator-0123456789";
    private static final String TOKEN_HEADER = "Bearer " + SECRET;

    @TempDir
    Path dir;

    private AdminToken token() throws Exception {
        return AdminToken.load(AdminTokenTest.write(dir.resolve("admin-token"), SECRET + "\n", "rw-------"));
    }

    /** Serves an action that records its parameters and answers 409, for {@code authorization}'s holder. */
    private Map<String, String> serveActions(AdminAuthorization authorization) throws Exception {
        server.close();
        Map<String, String> seen = new ConcurrentHashMap<>();
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), registry, Reports::report,
                (path, parameters) -> {
                    if (!path.equals("/resync")) {
                        return null;
                    }
                    seen.putAll(parameters);
                    return new AdminActions.Answer(409, "not diverged\n");
                }, new StatusHistory(java.time.Instant::now, 1), authorization);
        return seen;
    }

    private HttpResponse<String> post(String path, String authorization) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String method) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
