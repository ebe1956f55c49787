package io.datamover.bench.rpo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * GETs from the daemons' admin ports on loopback, counted per port: every request costs the daemon CPU (about
 * 0.3 ms on an idle tap of the 2-core machine, more under load, whatever the path), and the harness polls the tap
 * 100 times a second, so the report says how much of each component's CPU went to serving the harness. A failed request throws: a daemon that
 * stops answering ends the run rather than reading as zero.
 */
final class AdminClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** HTTP/1.1: by default the client offers an h2c upgrade on every request, which doubles the daemon's CPU per read. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    private final Map<Integer, LongAdder> requests = new ConcurrentHashMap<>();

    /** The body of {@code GET http://127.0.0.1:port/path}. */
    String get(int port, String path) {
        URI uri = URI.create("http://127.0.0.1:" + port + path);
        requests.computeIfAbsent(port, p -> new LongAdder()).increment();
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

    /** Requests sent to {@code port} so far. */
    long requests(int port) {
        LongAdder count = requests.get(port);
        return count == null ? 0 : count.sum();
    }
}
