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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertThat(get("/nothing", "GET").statusCode()).isEqualTo(404);
        HttpResponse<String> post = get("/metrics", "POST");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    private HttpResponse<String> get(String path, String method) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
