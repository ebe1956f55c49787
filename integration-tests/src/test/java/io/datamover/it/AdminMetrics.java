package io.datamover.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a counter from a daemon's {@code GET /metrics} (Prometheus text); 0 when the daemon does not answer. */
final class AdminMetrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AdminMetrics() {}

    /**
     * The sum of every sample of {@code name} (e.g. {@code datamover_target_rejected_total}) whose labels contain
     * each of {@code labels} (e.g. {@code code="CRC_MISMATCH"}).
     */
    static double sum(String adminHostPort, String name, String... labels) throws InterruptedException {
        String text;
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + adminHostPort
                    + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return 0;
            }
            text = response.body();
        } catch (IOException e) {
            return 0;
        }
        double sum = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            boolean matches = true;
            for (String label : labels) {
                matches &= series.contains(label);
            }
            if (matches) {
                sum += Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }
}
