package io.datamover.cli;

import io.datamover.cli.MigrationSites.Reply;
import io.datamover.cli.MigrationSites.Site;
import io.datamover.cli.admin.PromotedGroupFields;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reverse replication's step at the recovery site through its running daemons (docs/operations.md, "Reverse
 * replication"): the target gateway tells the promoted group's identity ({@code POST /reverse/promoted}), the source
 * gateway seeds the group continuing that history and opens it ({@code POST /reverse/seed}). Both idempotent: run it
 * again after any failure.
 */
final class RecoverySiteReverse {
    /** The seeding creates a small journal and writes a few files, durably. */
    static final Duration SEED_TIMEOUT = Duration.ofMinutes(1);

    private RecoverySiteReverse() {}

    /**
     * @param sites {@link Site#TARGET} the recovery site's target gateway (the promoted replicas),
     *     {@link Site#REVERSE_SOURCE} its source gateway
     * @return the source gateway's answer, or the target gateway's refusal (prefixed with its label)
     * @throws IOException a daemon cannot be reached
     */
    static Reply seed(MigrationSites sites, long cg) throws IOException, InterruptedException {
        Reply promoted = post(sites, Site.TARGET, "/reverse/promoted?cg=" + cg, AdminRequest.TIMEOUT);
        if (!promoted.ok()) {
            return new Reply(promoted.status(), Site.TARGET.label + ": " + promoted.body());
        }
        StringBuilder query = new StringBuilder("/reverse/seed?cg=").append(cg);
        for (String key : PromotedGroupFields.KEYS) {
            String value = promoted.field(key);
            if (value == null) {
                return new Reply(502, Site.TARGET.label + " answered without " + key + "=: " + promoted.body());
            }
            query.append('&').append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        Reply seeded = post(sites, Site.REVERSE_SOURCE, query.toString(), SEED_TIMEOUT);
        return seeded.ok() ? seeded : new Reply(seeded.status(), Site.REVERSE_SOURCE.label + ": " + seeded.body());
    }

    /** A POST whose failure to connect names the daemon (a site deployed without it says which is missing). */
    private static Reply post(MigrationSites sites, Site site, String pathAndQuery, Duration timeout)
            throws IOException, InterruptedException {
        try {
            return sites.post(site, pathAndQuery, timeout);
        } catch (IOException e) {
            throw new IOException("cannot reach " + site.label + ": " + e.getMessage(), e);
        }
    }
}
