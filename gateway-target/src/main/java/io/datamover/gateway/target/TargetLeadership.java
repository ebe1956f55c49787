package io.datamover.gateway.target;

import io.datamover.coordination.CoordinationMeters;
import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.GatewayCoordination;
import io.datamover.coordination.GroupLeader;
import io.datamover.coordination.Leadership;
import io.datamover.coordination.MonotonicClock;
import io.datamover.protocol.netty.PeerAddress;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * The target gateway's part in its recovery site's gateway group ({@code --coordination}, docs/coordination.md): for
 * each consistency group, whether this gateway leads it and may apply it, and under which epoch. Without coordination
 * it leads every group under epoch 0. The same {@link GatewayCoordination} as a source gateway's, on the recovery
 * site's own name; groups are named by their id.
 */
final class TargetLeadership implements AutoCloseable {
    /**
     * How long a source's HELLO waits for an election of its group that may still go this gateway's way: well within
     * the source's wait for HELLO_ACK.
     */
    static final Duration ELECTION_WAIT = Duration.ofSeconds(3);

    private final GatewayCoordination coordination;
    /** Whether the gateway is one of a gateway group: else it leads every group, and has no coordination meters. */
    private final boolean coordinated;
    private final MeterRegistry registry;
    /** The groups whose meters are registered (once each: a source's every HELLO contends again). */
    private final Set<Integer> metered = ConcurrentHashMap.newKeySet();
    /** Told, on the coordination thread, the cg whose tenure here ended; it must not block. */
    private final IntConsumer tenureEnded;

    private TargetLeadership(GatewayCoordination coordination, boolean coordinated, MeterRegistry registry,
            IntConsumer tenureEnded) {
        this.coordination = coordination;
        this.coordinated = coordinated;
        this.registry = registry;
        this.tenureEnded = tenureEnded;
    }

    /**
     * Joins the site's gateway group as {@code config}'s receiver id, advertising {@code --advertise} or else
     * {@code listen} for redirects; the embedded server's data in {@code <data-dir>/zookeeper}.
     */
    static TargetLeadership start(TargetGatewayConfig config, InetSocketAddress listen, MeterRegistry registry,
            IntConsumer tenureEnded) throws IOException {
        try {
            GatewayCoordination coordination = GatewayCoordination.start(config.coordination(),
                    config.dataDir().resolve("zookeeper"), config.receiverId(),
                    config.coordination().advertise() != null ? config.coordination().advertise()
                            : PeerAddress.advertised(listen),
                    MonotonicClock.system());
            if (coordinated(config)) {
                CoordinationMeters.registerGateway(coordination, registry);
            }
            return new TargetLeadership(coordination, coordinated(config), registry, tenureEnded);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("joining the recovery site's gateway group");
        }
    }

    static boolean coordinated(TargetGatewayConfig config) {
        return config.coordination().mode() != CoordinationSettings.Mode.NONE;
    }

    /** Contends for group {@code cgId} (again: nothing changes). */
    void contend(int cgId) throws IOException {
        if (!coordinated) {
            return;
        }
        String group = name(cgId);
        try {
            coordination.contend(group, () -> tenureEnded.accept(cgId));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("contending for cg " + group);
        }
        if (metered.add(cgId)) {
            CoordinationMeters.registerGroup(coordination, group, registry);
        }
    }

    /**
     * The epoch under which this gateway leads group {@code cgId} (contended for), waiting up to
     * {@link #ELECTION_WAIT} while the election may still go its way; empty when another gateway leads it. Blocks.
     */
    OptionalLong awaitLeading(int cgId) throws IOException {
        try {
            return coordination.awaitLeading(name(cgId), ELECTION_WAIT) ? leadingEpoch(cgId) : OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("waiting for the election of cg " + name(cgId));
        }
    }

    /** The epoch under which this gateway may apply group {@code cgId} now (0 without coordination), or empty. */
    OptionalLong leadingEpoch(int cgId) {
        return coordination.leadingEpoch(name(cgId));
    }

    /** HOST:PORT of the target gateway that leads group {@code cgId}, when another one published it; else empty. */
    String leaderElsewhere(int cgId) {
        return coordination.leaderElsewhere(name(cgId)).map(GroupLeader::address).orElse("");
    }

    /** This gateway's leadership of group {@code cgId} for status; null without coordination or contention. */
    Leadership leadership(int cgId) {
        return coordination.leadership(name(cgId));
    }

    /** Whether the ZooKeeper session is connected now; true without coordination. */
    boolean connected() {
        return coordination.connected();
    }

    private static String name(int cgId) {
        return Integer.toUnsignedString(cgId);
    }

    @Override
    public void close() {
        coordination.close();
    }
}
