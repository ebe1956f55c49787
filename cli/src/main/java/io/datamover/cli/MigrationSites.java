package io.datamover.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The daemons a planned migration talks to, through their admin ports with the operator's token: the original
 * site's tap and source gateway, the recovery site's target gateway ({@link Migration}); and, for the check of room
 * for the reverse direction, the recovery site's source gateway and the original site's target gateway.
 */
interface MigrationSites {
    /** Which daemon. */
    enum Site {
        TAP("the tap (--tap-admin)"), SOURCE("the source gateway (--source-admin)"),
        TARGET("the target gateway (--target-admin)"),
        /** The recovery site's source gateway: the source of the reverse direction. */
        REVERSE_SOURCE("the recovery site's source gateway (--reverse-source-admin)"),
        /** The original site's target gateway: the replica set of the reverse direction. */
        REVERSE_TARGET("the original site's target gateway (--reverse-target-admin)");

        final String label;

        Site(String label) {
            this.label = label;
        }
    }

    /** A daemon's answer: its HTTP status and text. */
    record Reply(int status, String body) {
        boolean ok() {
            return status == 200;
        }

        /** The value of a {@code key=value} line of the answer, or null. */
        String field(String key) {
            return body.lines().filter(line -> line.startsWith(key + "=")).map(line -> line.substring(key.length() + 1))
                    .findFirst().orElse(null);
        }
    }

    /** Whether the operator named this daemon (the reverse direction's are optional). */
    default boolean has(Site site) {
        return true;
    }

    /** {@code GET /status} (JSON). @throws IOException the daemon cannot be reached */
    String status(Site site) throws IOException, InterruptedException;

    /** {@code POST pathAndQuery} with the operator's token. @throws IOException the daemon cannot be reached */
    Reply post(Site site, String pathAndQuery, Duration timeout) throws IOException, InterruptedException;

    /**
     * The admin ports at {@code addresses} (the daemons named; the reverse direction's are optional), with
     * {@code authorization} (the operator's token header), if any.
     */
    static MigrationSites over(Map<Site, HostPort> addresses, Optional<String> authorization) {
        Map<Site, HostPort> named = Map.copyOf(addresses);
        return new MigrationSites() {
            @Override
            public boolean has(Site site) {
                return named.containsKey(site);
            }

            @Override
            public String status(Site site) throws IOException, InterruptedException {
                HttpResponse<String> response = AdminRequest.send("GET", uri(site, "/status"));
                if (response.statusCode() != 200) {
                    throw new IOException("GET /status answered " + response.statusCode());
                }
                return response.body();
            }

            @Override
            public Reply post(Site site, String pathAndQuery, Duration timeout) throws IOException,
                    InterruptedException {
                HttpResponse<String> response = AdminRequest.send("POST", uri(site, pathAndQuery), timeout,
                        authorization);
                return new Reply(response.statusCode(), response.body());
            }

            private URI uri(Site site, String pathAndQuery) {
                HostPort address = named.get(site);
                if (address == null) {
                    throw new IllegalStateException(site.label + " was not named");
                }
                return URI.create("http://" + address + pathAndQuery);
            }
        };
    }
}
