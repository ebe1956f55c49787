package io.datamover.coordination;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a gateway coordinates with the other gateways of its site, validated once: {@code --coordination},
 * {@code --zookeeper}, {@code --site}, {@code --zookeeper-session-timeout}.
 *
 * @param mode none (the gateway serves its groups alone), embedded (a ZooKeeper server inside the gateway: not HA)
 *     or zookeeper (an ensemble)
 * @param zookeeper the ensemble's HOST:PORT,... for mode zookeeper; null otherwise
 * @param site the site whose gateways form one gateway group
 * @param sessionTimeout the ZooKeeper session timeout; a leader demotes itself after half of it without contact
 * @param maxGroupMoves scale-out: 0 (off) has each gateway contend for every group it serves; N above 0 has the site's
 *     assigner spread the groups over the live gateways, moving at most N at once, and each gateway contend only for
 *     the groups assigned to it
 * @param advertise HOST:PORT that this gateway publishes in ZooKeeper as where its peers reach it (a redirect names
 *     it), or null: then derived from the listen address (none when that is a wildcard or port 0)
 */
public record CoordinationSettings(Mode mode, String zookeeper, String site, Duration sessionTimeout,
        int maxGroupMoves, String advertise) {
    public static final CoordinationSettings NONE =
            new CoordinationSettings(Mode.NONE, null, "default", CoordinationConfig.DEFAULT_SESSION_TIMEOUT, 0);

    public enum Mode {
        NONE, EMBEDDED, ZOOKEEPER;

        /** {@code none|embedded|zookeeper}, as on the command line. */
        public static Mode parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("coordination '" + value + "' is not none, embedded or zookeeper");
            }
        }
    }

    public CoordinationSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        SitePaths.requireName("site", site);
        if (mode == Mode.ZOOKEEPER && (zookeeper == null || zookeeper.isBlank())) {
            throw new IllegalArgumentException("--coordination zookeeper needs --zookeeper HOST:PORT,...");
        }
        if (mode != Mode.ZOOKEEPER && zookeeper != null) {
            throw new IllegalArgumentException("--zookeeper is for --coordination zookeeper, not " + mode);
        }
        if (maxGroupMoves < 0 || maxGroupMoves > 0 && mode == Mode.NONE) {
            throw new IllegalArgumentException("--max-group-moves " + maxGroupMoves + " must be 0 (no scale-out) or,"
                    + " with --coordination, the most groups moved at once");
        }
        if (advertise != null && (mode == Mode.NONE || !advertise.matches("\\S+:[0-9]{1,5}"))) {
            throw new IllegalArgumentException("--advertise '" + advertise + "' must be HOST:PORT, with"
                    + " --coordination");
        }
    }

    /** Without an advertised address: derived from the listen address. */
    public CoordinationSettings(Mode mode, String zookeeper, String site, Duration sessionTimeout,
            int maxGroupMoves) {
        this(mode, zookeeper, site, sessionTimeout, maxGroupMoves, null);
    }

    /** Without scale-out. */
    public CoordinationSettings(Mode mode, String zookeeper, String site, Duration sessionTimeout) {
        this(mode, zookeeper, site, sessionTimeout, 0);
    }

    public boolean scaleOut() {
        return maxGroupMoves > 0;
    }
}
