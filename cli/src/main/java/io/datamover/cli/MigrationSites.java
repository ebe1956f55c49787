package io.datamover.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The three daemons a planned migration talks to, through their admin ports with the operator's token: the original
 * site's tap and source gateway, the recovery site's target gateway ({@link Migration}).
 */
interface MigrationSites {
    /** Which daemon. */
    enum Site {
        TAP("the tap (--tap-admin)"), SOURCE("the source gateway (--source-admin)"),
        TARGET("the target gateway (--target-admin)");

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

    /** {@code GET /status} (JSON). @throws IOException the daemon cannot be reached */
    String status(Site site) throws IOException, InterruptedException;

    /** {@code POST pathAndQuery} with the operator's token. @throws IOException the daemon cannot be reached */
    Reply post(Site site, String pathAndQuery, Duration timeout) throws IOException, InterruptedException;

    /** The admin ports at these addresses; the POSTs carry the operator's {@code token}, if any. */
    static MigrationSites over(HostPort tap, HostPort source, HostPort target, AdminTokenOption token) {
        return new MigrationSites() {
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
                HttpResponse<String> response = new AdminCall(address(site), token, site.label, AdminCall.EXIT_FAILED)
                        .send(pathAndQuery, timeout);
                return new Reply(response.statusCode(), response.body());
            }

            private URI uri(Site site, String pathAndQuery) {
                return URI.create("http://" + address(site) + pathAndQuery);
            }

            private HostPort address(Site site) {
                return switch (site) {
                    case TAP -> tap;
                    case SOURCE -> source;
                    case TARGET -> target;
                };
            }
        };
    }
}
