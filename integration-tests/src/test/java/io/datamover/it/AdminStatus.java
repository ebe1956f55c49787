package io.datamover.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first group of a daemon's {@code GET /status} JSON: its state, last (held) seq and applied seq; null when
 * the daemon does not answer.
 */
record AdminStatus(String state, long lastSeq, Long appliedSeq) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern GROUP = Pattern.compile(
            "\"groups\":\\[\\{.*?\"state\":\"(\\w+)\",\"lastSeq\":(\\d+),\"appliedSeq\":(\\d+|null)");

    /** The whole {@code GET /status} JSON, or "" when the daemon does not answer. */
    static String json(String adminHostPort) throws InterruptedException {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + adminHostPort
                    + "/status")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (IOException e) {
            return "";
        }
    }

    static AdminStatus fetch(String adminHostPort) throws InterruptedException {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + adminHostPort
                    + "/status")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = GROUP.matcher(response.body());
            if (response.statusCode() != 200 || !m.find()) {
                return null;
            }
            return new AdminStatus(m.group(1), Long.parseLong(m.group(2)),
                    m.group(3).equals("null") ? null : Long.parseLong(m.group(3)));
        } catch (IOException e) {
            return null;
        }
    }
}
