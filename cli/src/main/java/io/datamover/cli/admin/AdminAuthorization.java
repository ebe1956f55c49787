package io.datamover.cli.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Who may make mutating admin calls ({@code POST}: {@code resync}, {@code throttle}, {@code failover}, the tap's
 * {@code pause} and {@code resume}): the holder of the daemon's {@link AdminToken}. A daemon started without one refuses
 * them all. Each decision is logged (WARN refused, INFO accepted, with the caller's address) and counted in
 * {@code datamover.admin.requests.refused} (by reason) or {@code datamover.admin.requests.accepted}. GETs (status,
 * metrics, the status page) are not asked: they read only.
 */
public final class AdminAuthorization {
    private static final Logger LOG = LoggerFactory.getLogger(AdminAuthorization.class);

    /** What was decided, with the HTTP status of a refusal (0 when accepted) and the text for the caller. */
    public record Decision(int status, String reason, String text) {
        public boolean accepted() {
            return status == 0;
        }
    }

    private final Optional<AdminToken> token;

    /** @param token the operator's token; empty: every mutating call is refused */
    public AdminAuthorization(Optional<AdminToken> token) {
        this.token = token;
    }

    /** Refuses every mutating call (a daemon started without {@code --admin-token-file}). */
    public static final AdminAuthorization NONE = new AdminAuthorization(Optional.empty());

    /**
     * Decides on {@code request} (method, path and query, for the log) from {@code caller} carrying the
     * {@code Authorization} header {@code authorization} (null when absent), and logs and counts it.
     */
    Decision decide(String request, String caller, String authorization, MeterRegistry registry) {
        Decision decision;
        if (token.isEmpty()) {
            decision = new Decision(403, "no-token-configured", "this daemon takes no mutating admin calls: start it"
                    + " with --admin-token-file FILE (a secret only root or the daemon's user can read)\n");
        } else if (authorization == null) {
            decision = new Decision(401, "missing", "this call needs the operator's admin token: pass"
                    + " --admin-token-file FILE (or set DATAMOVER_ADMIN_TOKEN_FILE)\n");
        } else if (!token.get().admits(authorization)) {
            decision = new Decision(403, "wrong", "the admin token sent is not this daemon's\n");
        } else {
            decision = new Decision(0, "accepted", "");
        }
        if (decision.accepted()) {
            // verify --online asks how its run goes once a second: the start says it ran
            boolean poll = request.startsWith("POST " + SourceVerifyActions.RESULT);
            LOG.atLevel(poll ? Level.DEBUG : Level.INFO).log("admin: {} from {} accepted: the holder of the admin "
                    + "token {}", request, caller, token.get().file());
            Counter.builder("datamover.admin.requests.accepted").description("mutating admin calls accepted")
                    .register(registry).increment();
        } else {
            LOG.warn("admin: {} from {} refused ({}): {}", request, caller, decision.reason(), decision.text().trim());
            Counter.builder("datamover.admin.requests.refused").tag("reason", decision.reason())
                    .description("mutating admin calls refused, by reason").register(registry).increment();
        }
        return decision;
    }
}
