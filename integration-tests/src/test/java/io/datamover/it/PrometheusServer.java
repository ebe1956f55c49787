package io.datamover.it;

import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus}) on a free loopback port with its own storage under a test
 * directory, scraping given admin ports every second and evaluating the shipped alert rules every second, with each
 * rule's {@code for:} cut to one second so a test sees an alert fire in seconds.
 */
final class PrometheusServer implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int port;

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts Prometheus in {@code dir}, scraping each {@code jobs} entry (job name to {@code HOST:PORT}), and waits
     * until it is ready.
     */
    static PrometheusServer start(Path dir, Map<String, String> jobs) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path rules = dir.resolve("datamover-alerts.yml");
        Files.writeString(rules, Files.readString(MonitoringFiles.RULES).replaceAll("(?m)^(\\s+)for: \\S+$",
                "$1for: 1s"));
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\nrule_files:\n  - " + rules + "\nscrape_configs:\n");
        jobs.forEach((job, target) -> config.append("  - job_name: ").append(job)
                .append("\n    static_configs:\n      - targets: ['").append(target).append("']\n"));
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port = LoopbackPorts.next();
        Path log = dir.resolve("prometheus.log");
        List<String> command = new ArrayList<>(List.of("prometheus", "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--web.console.templates=" + dir, "--web.console.libraries=" + dir));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, log, port);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("prometheus not ready after " + READY + ":\n" + log());
            }
            Thread.sleep(200); // polling a port with a deadline
        }
    }

    /** The answer of {@code /api/v1/query} for {@code promql} at now, as JSON text. */
    String query(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body();
    }

    /** The answer of {@code /api/v1/alerts}, as JSON text. */
    String alerts() throws IOException, InterruptedException {
        return get("/api/v1/alerts").body();
    }

    /** Whether {@link #alerts()} has {@code alertname} firing. */
    boolean firing(String alertname) throws IOException, InterruptedException {
        for (String alert : alerts().split("\\{\"labels\":")) {
            if (alert.contains("\"alertname\":\"" + alertname + "\"") && alert.contains("\"state\":\"firing\"")) {
                return true;
            }
        }
        return false;
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
