package io.datamover.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** One request of an operator command ({@code status}, {@code resync}) to a daemon's admin port. */
final class AdminRequest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private AdminRequest() {}

    /**
     * Sends {@code method} (GET or POST, no body) to {@code uri} and returns the answer.
     *
     * @throws IOException when the admin port cannot be reached or does not answer in time
     */
    static HttpResponse<String> send(String method, URI uri) throws IOException, InterruptedException {
        return send(method, uri, TIMEOUT, Optional.empty());
    }

    /**
     * As {@link #send(String, URI)}, waiting up to {@code timeout} for the answer (an action that takes long), with
     * the operator's {@code Authorization} header when given (a call that changes the daemon).
     */
    static HttpResponse<String> send(String method, URI uri, Duration timeout, Optional<String> authorization)
            throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                .build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            authorization.ifPresent(header -> request.header("Authorization", header));
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Why the admin port at {@code address} was not reached, in one line for the operator. */
    static String unreachable(String command, Object address, IOException e) {
        return "datamover " + command + ": cannot reach the admin port at " + address + ": "
                + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
}
