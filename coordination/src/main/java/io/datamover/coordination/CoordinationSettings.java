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
 */
public record CoordinationSettings(Mode mode, String zookeeper, String site, Duration sessionTimeout) {
    public static final CoordinationSettings NONE =
            new CoordinationSettings(Mode.NONE, null, "default", CoordinationConfig.DEFAULT_SESSION_TIMEOUT);

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
    }
}
