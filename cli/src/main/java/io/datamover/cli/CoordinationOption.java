package io.datamover.cli;

import io.datamover.coordination.CoordinationSettings;
import java.time.Duration;
import picocli.CommandLine;

/**
 * {@code --coordination}, {@code --zookeeper}, {@code --site}, {@code --zookeeper-session-timeout},
 * {@code --max-group-moves}, {@code --advertise}.
 */
final class CoordinationOption {
    @CommandLine.Option(names = "--coordination", defaultValue = "none", paramLabel = "none|embedded|zookeeper",
            description = "Whether this gateway joins its site's gateway group on ZooKeeper and ships a consistency"
                    + " group only while it leads it: none (serves its groups alone), embedded (a ZooKeeper server"
                    + " inside the gateway on loopback, data under --data-dir/zookeeper; NOT highly available), or"
                    + " zookeeper (the ensemble of --zookeeper). Failover between gateways is not built yet"
                    + " (docs/coordination.md) (default: ${DEFAULT-VALUE}).")
    String mode;

    @CommandLine.Option(names = "--zookeeper", paramLabel = "HOST:PORT,...",
            description = "The ZooKeeper ensemble, for --coordination zookeeper.")
    String zookeeper;

    @CommandLine.Option(names = "--site", defaultValue = "default", paramLabel = "NAME",
            description = "The site whose gateways form one gateway group (default: ${DEFAULT-VALUE}).")
    String site;

    @CommandLine.Option(names = "--zookeeper-session-timeout", paramLabel = "SECONDS",
            defaultValue = "10",
            description = "The ZooKeeper session timeout; a leader cut off from ZooKeeper stops shipping after half"
                    + " of it (default: ${DEFAULT-VALUE}).")
    double sessionTimeoutSeconds;

    @CommandLine.Option(names = "--max-group-moves", paramLabel = "N", defaultValue = "0",
            description = "Scale-out: 0 (off) has this gateway contend for every consistency group it serves; N above 0"
                    + " has the site's elected assigner spread the groups over the live gateways (rebalanced when one"
                    + " joins or leaves), moving at most N at once, and this gateway contend only for its own; give"
                    + " every gateway of the site the same value (default: ${DEFAULT-VALUE}).")
    int maxGroupMoves;

    @CommandLine.Option(names = "--advertise", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "With --coordination: the address this gateway publishes in ZooKeeper for the other gateways"
                    + " of its site to redirect taps to it (default: the --listen address, none when that is a"
                    + " wildcard such as 0.0.0.0 or port 0: then a tap sent on tries its own list).")
    HostPort advertise;

    /** The settings, validated; an IllegalArgumentException says what is wrong. */
    CoordinationSettings settings() {
        Duration session = Duration.ofMillis(Math.round(sessionTimeoutSeconds * 1000));
        if (session.compareTo(Duration.ofMillis(400)) < 0) {
            throw new IllegalArgumentException("--zookeeper-session-timeout must be at least 0.4 s");
        }
        if (advertise != null && advertise.port() == 0) {
            throw new IllegalArgumentException("--advertise " + advertise + " needs a port: where peers connect");
        }
        return new CoordinationSettings(CoordinationSettings.Mode.parse(mode), zookeeper, site, session,
                maxGroupMoves, advertise == null ? null : advertise.toString());
    }
}
