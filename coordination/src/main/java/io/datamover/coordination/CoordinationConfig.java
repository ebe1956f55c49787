package io.datamover.coordination;

import java.time.Duration;
import java.util.Objects;

/**
 * How a gateway joins its site's gateway group, validated once.
 *
 * @param connectString ZooKeeper's HOST:PORT,... (an ensemble, or the embedded server's loopback address)
 * @param site the protected or recovery site whose gateways form one group
 * @param gatewayId this gateway, unique in its site
 * @param sessionTimeout the ZooKeeper session timeout asked for; the fencing window is derived from it
 * @param connectTimeout how long {@link Coordinator#connect} waits for the first connection
 * @param address HOST:PORT where this gateway takes a group's peers, written in the leader nodes of the groups it
 *     leads so that other gateways can redirect to it; empty when it has none to give
 */
public record CoordinationConfig(String connectString, String site, String gatewayId, Duration sessionTimeout,
        Duration connectTimeout, String address) {
    /**
     * 5 s: the standby can lead only once the dead leader's session expired, so this is most of a takeover (issue 19:
     * under 10 s from kill -9 to the new leader's first batch applied). The leader demotes itself after 2.5 s without
     * confirmed contact, which rides through GC pauses and a loaded host's scheduling stalls well under a second; a
     * real ensemble's default tickTime of 2 s allows sessions from 4 s.
     */
    public static final String DEFAULT_SESSION_TIMEOUT_SECONDS = "5";
    public static final Duration DEFAULT_SESSION_TIMEOUT =
            Duration.ofSeconds(Long.parseLong(DEFAULT_SESSION_TIMEOUT_SECONDS));
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(15);

    public CoordinationConfig {
        Objects.requireNonNull(connectString, "connectString");
        if (connectString.isBlank()) {
            throw new IllegalArgumentException("the ZooKeeper connect string (HOST:PORT,...) is empty");
        }
        SitePaths.requireName("site", site);
        SitePaths.requireName("gateway id", gatewayId);
        if (sessionTimeout.compareTo(Duration.ofMillis(400)) < 0) {
            throw new IllegalArgumentException("session timeout " + sessionTimeout + " is below 400 ms");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout " + connectTimeout + " must be positive");
        }
        Objects.requireNonNull(address, "address");
    }

    public CoordinationConfig(String connectString, String site, String gatewayId, Duration sessionTimeout,
            Duration connectTimeout) {
        this(connectString, site, gatewayId, sessionTimeout, connectTimeout, "");
    }

    public CoordinationConfig(String connectString, String site, String gatewayId) {
        this(connectString, site, gatewayId, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECT_TIMEOUT);
    }

    /**
     * How long after its last confirmed contact with ZooKeeper a leader still acts as one: half the session timeout,
     * so it demotes itself well before the ensemble can expire its session and let another gateway take over (the
     * ensemble counts the session timeout from a contact no earlier than the one the leader confirmed).
     */
    public Duration fencingWindow() {
        return sessionTimeout.dividedBy(2);
    }

    /** How often the leader confirms its contact with ZooKeeper and checks its fencing deadline. */
    public Duration heartbeatInterval() {
        return sessionTimeout.dividedBy(10);
    }
}
