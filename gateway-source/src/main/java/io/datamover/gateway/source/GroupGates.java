package io.datamover.gateway.source;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.GatewayCoordination;
import io.datamover.coordination.GroupLeader;
import io.datamover.coordination.GroupLeadershipStatus;
import io.datamover.coordination.Leadership;
import io.datamover.coordination.MonotonicClock;
import io.datamover.gateway.source.ship.ShippingGate;
import io.datamover.protocol.netty.PeerAddress;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Gives each consistency group the gate its shipper asks before every batch: open while this gateway leads the
 * group in its site's gateway group ({@code --coordination}, docs/coordination.md), always open without
 * coordination. Started under the data directory's lock, since the embedded ZooKeeper keeps its data there.
 */
interface GroupGates extends AutoCloseable {
    /** Without coordination: this gateway serves its groups alone. */
    GroupGates ALWAYS_OPEN = new GroupGates() {
        @Override
        public ShippingGate gateFor(CgIdentity identity, Runnable stoppedLeading) {
            return ShippingGate.ALWAYS_OPEN;
        }

        @Override
        public boolean awaitLeading(CgIdentity identity) {
            return true;
        }

        @Override
        public OptionalLong leadingEpoch(CgIdentity identity) {
            return OptionalLong.of(0);
        }

        @Override
        public String leaderElsewhere(CgIdentity identity) {
            return "";
        }

        @Override
        public String sessionState() {
            return null;
        }

        @Override
        public GroupLeadershipStatus leadership(CgIdentity identity) {
            return null;
        }

        @Override
        public void close() {}
    };

    /**
     * How long a tap's HELLO waits for an election of its group that may still go this gateway's way (the group was
     * just opened at that HELLO): well within the tap's wait for HELLO_ACK.
     */
    Duration ELECTION_WAIT = Duration.ofSeconds(3);

    /**
     * Contends for the group (again after a reopen: nothing changes) and returns its gate; {@code stoppedLeading} runs
     * each time a tenure of this gateway ends, on the coordination thread (it must not block).
     */
    ShippingGate gateFor(CgIdentity identity, Runnable stoppedLeading) throws IOException;

    /**
     * Whether this gateway leads the group (for which {@link #gateFor} was called), so that it may take the group's
     * tap: false when another gateway of the site holds the group's lock, or when no election made this gateway the
     * leader within {@link #ELECTION_WAIT}. Blocks; never on an event loop.
     */
    boolean awaitLeading(CgIdentity identity) throws IOException;

    /** The epoch under which this gateway may lead the group now (0 without coordination), or empty. */
    OptionalLong leadingEpoch(CgIdentity identity);

    /**
     * HOST:PORT of the gateway of the site that leads the group now, as its leader node says, when that is another
     * gateway that gave an address: where a NOT_LEADER redirects the tap. Empty when not known.
     */
    String leaderElsewhere(CgIdentity identity);

    /** The ZooKeeper session's state (CONNECTED, SUSPENDED, LOST, ...) for status; null without coordination. */
    String sessionState();

    /** The group's leader, epoch, standbys and takeovers for status (asks ZooKeeper); null without coordination. */
    GroupLeadershipStatus leadership(CgIdentity identity);

    @Override
    void close();

    /**
     * Starts the coordination {@code config} asks for; the embedded server's data in {@code <data-dir>/zookeeper}.
     * Metrics: {@code datamover.coordination.connected}, and per group {@code datamover.coordination.leading} (1 while
     * this gateway may ship it) and {@code datamover.coordination.epoch} (of its latest tenure here).
     */
    static GroupGates start(SourceGatewayConfig config, MeterRegistry registry) throws IOException {
        CoordinationSettings settings = config.coordination();
        if (settings.mode() == CoordinationSettings.Mode.NONE) {
            return ALWAYS_OPEN;
        }
        try {
            GatewayCoordination coordination = GatewayCoordination.start(settings,
                    config.dataDir().resolve("zookeeper"), config.gatewayId(), advertised(settings, config.listen()),
                    MonotonicClock.system());
            Gauge.builder("datamover.coordination.connected", coordination, c -> c.connected() ? 1 : 0)
                    .description("1 while the gateway's ZooKeeper session is connected").register(registry);
            Gauge.builder("datamover.coordination.assigner", coordination, c -> c.assigning() ? 1 : 0)
                    .description("1 while this gateway is its site's assigner (scale-out)").register(registry);
            return new GroupGates() {
                @Override
                public ShippingGate gateFor(CgIdentity identity, Runnable stoppedLeading) throws IOException {
                    String group = identity.cgLabel();
                    try {
                        coordination.contend(group, stoppedLeading);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("contending for cg " + group);
                    }
                    Gauge.builder("datamover.coordination.leading", coordination,
                                    c -> c.leadingEpoch(group).isPresent() ? 1 : 0)
                            .description("1 while this gateway leads the group and may ship it").tag("cg", group)
                            .register(registry);
                    Gauge.builder("datamover.coordination.epoch", coordination, c -> epochOf(c.leadership(group)))
                            .description("the epoch of this gateway's latest tenure of the group").tag("cg", group)
                            .register(registry);
                    FunctionCounter.builder("datamover.coordination.tenures", coordination, c -> c.tenures(group))
                            .description("tenures of the group this gateway began (takeovers by this gateway)")
                            .tag("cg", group).register(registry);
                    Gauge.builder("datamover.coordination.takeover.seconds", coordination,
                                    c -> c.lastTakeover(group).toNanos() / 1e9)
                            .description("how long this gateway's latest takeover of the group took, from the lock"
                                    + " coming to it (the previous leader's latch node gone from ZooKeeper) to leading"
                                    + " under the raised epoch").tag("cg", group).register(registry);
                    Gauge.builder("datamover.coordination.standbys", coordination,
                                    c -> c.standbys(group).size())
                            .description("the other live gateways of the site contending for the group (asked of"
                                    + " ZooKeeper while connected: 0 while not)").tag("cg", group)
                            .register(registry);
                    Gauge.builder("datamover.coordination.takeover.wait.seconds", coordination,
                                    c -> c.lastWait(group).toNanos() / 1e9)
                            .description("how long this gateway's latest tenure of the group waited for its lock, from"
                                    + " contending (or its previous tenure's end) to leading").tag("cg", group)
                            .register(registry);
                    return () -> coordination.leadingEpoch(group);
                }

                @Override
                public boolean awaitLeading(CgIdentity identity) throws IOException {
                    try {
                        return coordination.awaitLeading(identity.cgLabel(), ELECTION_WAIT);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("waiting for the election of cg " + identity.cgLabel());
                    }
                }

                @Override
                public OptionalLong leadingEpoch(CgIdentity identity) {
                    return coordination.leadingEpoch(identity.cgLabel());
                }

                @Override
                public String leaderElsewhere(CgIdentity identity) {
                    return coordination.leaderElsewhere(identity.cgLabel()).map(GroupLeader::address).orElse("");
                }

                @Override
                public String sessionState() {
                    return coordination.sessionState();
                }

                @Override
                public GroupLeadershipStatus leadership(CgIdentity identity) {
                    return coordination.status(identity.cgLabel());
                }

                @Override
                public void close() {
                    coordination.close();
                }
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("joining the site's gateway group");
        }
    }

    /**
     * Where taps reach this gateway, for other gateways' redirects: {@code --advertise}, else its listen address,
     * unless that is a wildcard or an ephemeral port (then none: a standby answers a bare NOT_LEADER and the tap tries
     * its list).
     */
    private static String advertised(CoordinationSettings settings, InetSocketAddress listen) {
        if (settings.advertise() != null) {
            return settings.advertise();
        }
        if (listen.getPort() == 0 || listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()) {
            return "";
        }
        return new PeerAddress(listen.getHostString(), listen.getPort()).toString();
    }

    private static double epochOf(Leadership leadership) {
        return leadership == null ? 0 : leadership.epoch();
    }
}
