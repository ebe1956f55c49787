package io.datamover.coordination;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway daemon holds for {@link CoordinationSettings}: nothing (mode none: it leads every group it serves,
 * under epoch 0), or a {@link Coordinator} on the embedded server or on an ensemble.
 */
public final class GatewayCoordination implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCoordination.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /** How often {@link #awaitLeading} asks again who holds the lock while an election is under way. */
    private static final Duration HOLDER_POLL = Duration.ofMillis(200);

    private final EmbeddedZooKeeper embedded;
    private final Coordinator coordinator;
    private final MonotonicClock clock;
    private final boolean scaleOut;
    /** Notified on every change of this gateway's leadership of any group, for {@link #awaitLeading}. */
    private final Object leadershipChanged = new Object();
    /** Per group served here: what runs when a tenure of this gateway ends. */
    private final Map<String, Runnable> stoppedLeading = new ConcurrentHashMap<>();
    /** Per group: the tenures this gateway began (each a takeover of the group by this gateway). */
    private final Map<String, LongAdder> tenures = new ConcurrentHashMap<>();

    private GatewayCoordination(EmbeddedZooKeeper embedded, Coordinator coordinator, MonotonicClock clock,
            boolean scaleOut) {
        this.embedded = embedded;
        this.coordinator = coordinator;
        this.clock = clock;
        this.scaleOut = scaleOut;
    }

    /**
     * Starts the embedded server (its data in {@code zookeeperDir}) when asked, and joins the site as
     * {@code gatewayId}, whose peers reach it at {@code address} (HOST:PORT, or empty: then no gateway redirects to it).
     */
    public static GatewayCoordination start(CoordinationSettings settings, Path zookeeperDir, String gatewayId,
            String address, MonotonicClock clock) throws IOException, InterruptedException {
        if (settings.mode() == CoordinationSettings.Mode.NONE) {
            return new GatewayCoordination(null, null, clock, false);
        }
        EmbeddedZooKeeper embedded = settings.mode() == CoordinationSettings.Mode.EMBEDDED
                ? EmbeddedZooKeeper.start(zookeeperDir, 0) : null;
        try {
            String connect = embedded != null ? embedded.connectString() : settings.zookeeper();
            Coordinator coordinator = Coordinator.connect(new CoordinationConfig(connect, settings.site(), gatewayId,
                    settings.sessionTimeout(), CONNECT_TIMEOUT, address), clock);
            GatewayCoordination coordination = new GatewayCoordination(embedded, coordinator, clock,
                    settings.scaleOut());
            if (settings.scaleOut()) {
                try {
                    coordinator.scaleOut(settings.maxGroupMoves(), coordination::changed);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    coordinator.close();
                    throw e;
                } catch (Exception e) {
                    coordinator.close();
                    throw new IOException("joining the site's scale-out", e);
                }
            }
            if (address.isEmpty()) {
                LOG.warn("gateway {} publishes no address for redirects to it (it listens on a wildcard address or an"
                        + " ephemeral port): give --advertise HOST:PORT", gatewayId);
            }
            LOG.info("gateway {} joined site {} on ZooKeeper {}{}{}", gatewayId, settings.site(), connect,
                    embedded != null ? " (embedded: not highly available)" : "", settings.scaleOut()
                            ? "; scale-out, at most " + settings.maxGroupMoves() + " groups moved at once" : "");
            return coordination;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /**
     * Serves {@code group} here: contends for it (again after a reopen: nothing changes), or with scale-out makes it
     * known to the site's assigner, which decides whether this gateway contends; {@code stoppedLeading} runs, on the
     * coordination thread, each time a tenure of this gateway ends (STANDBY, DEMOTED, CLOSED).
     */
    public void contend(String group, Runnable stoppedLeading) throws IOException, InterruptedException {
        if (coordinator == null) {
            return;
        }
        this.stoppedLeading.put(group, stoppedLeading);
        if (!scaleOut) {
            coordinator.contend(group, this::changed);
            return;
        }
        try {
            coordinator.register(group);
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("registering group " + group + " with the site", e);
        }
    }

    /** Every change of this gateway's leadership of any group; on the coordination thread. */
    private void changed(String group, Leadership leadership) {
        synchronized (leadershipChanged) {
            leadershipChanged.notifyAll();
        }
        if (leadership.role() == LeadershipRole.LEADING) {
            tenures.computeIfAbsent(group, g -> new LongAdder()).increment();
        } else {
            stoppedLeading.getOrDefault(group, () -> { }).run();
        }
    }

    /** How many tenures of {@code group} this gateway began since it started. */
    public long tenures(String group) {
        LongAdder count = tenures.get(group);
        return count == null ? 0 : count.sum();
    }

    /** How long this gateway's latest tenure of {@code group} waited for the lock; zero without one. */
    public Duration lastWait(String group) {
        return coordinator == null ? Duration.ZERO : coordinator.lastWait(group);
    }

    /**
     * How long this gateway's latest takeover of {@code group} took, from the lock coming to it (the previous leader's
     * latch node gone from ZooKeeper) to leading; zero without one.
     */
    public Duration lastTakeover(String group) {
        return coordinator == null ? Duration.ZERO : coordinator.lastTakeover(group);
    }

    /** Whether this gateway is its site's assigner now (scale-out). */
    public boolean assigning() {
        return coordinator != null && coordinator.assigning();
    }

    /**
     * Whether this gateway leads {@code group} (which it contends for), waiting up to {@code wait} while the election
     * may still go its way: false at once when another gateway holds the group's lock, or when the wait ends first.
     * For a tap's HELLO, so that the first gateway a tap reaches leads its new group rather than sends it on.
     */
    public boolean awaitLeading(String group, Duration wait) throws InterruptedException {
        long deadline = clock.nanos() + wait.toNanos();
        while (leadingEpoch(group).isEmpty()) {
            if (heldByAnother(group)) {
                return false;
            }
            long left = deadline - clock.nanos();
            if (left <= 0) {
                return false;
            }
            synchronized (leadershipChanged) {
                if (leadingEpoch(group).isEmpty()) {
                    TimeUnit.NANOSECONDS.timedWait(leadershipChanged, Math.min(left, HOLDER_POLL.toNanos()));
                }
            }
        }
        return true;
    }

    /**
     * Whether another gateway's latch node holds {@code group}'s lock, or the group's leader node names another
     * gateway (this one need not contend: scale-out); false when ZooKeeper does not answer.
     */
    private boolean heldByAnother(String group) {
        try {
            return coordinator.lockHolder(group).filter(this::another).isPresent() || leaderElsewhere(group)
                    .isPresent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.debug("group {}: who holds the lock is not known now: {}", group, e.toString());
            return false;
        }
    }

    /**
     * The gateway that leads {@code group} as its leader node says, when that is not this one: where to redirect the
     * group's peer. Empty without coordination, when no leader is published, or when ZooKeeper does not answer.
     */
    public Optional<GroupLeader> leaderElsewhere(String group) {
        if (coordinator == null) {
            return Optional.empty();
        }
        try {
            return coordinator.leaderOf(group).filter(leader -> another(leader.gatewayId()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            LOG.debug("group {}: its leader node cannot be read now: {}", group, e.toString());
            return Optional.empty();
        }
    }

    private boolean another(String gatewayId) {
        return !gatewayId.equals(coordinator.config().gatewayId());
    }

    /** The epoch under which this gateway may act as {@code group}'s leader now; 0 without coordination. */
    public OptionalLong leadingEpoch(String group) {
        return coordinator == null ? OptionalLong.of(0) : coordinator.leadingEpoch(group);
    }

    /** This gateway's leadership of {@code group} for status, or null without coordination or contention. */
    public Leadership leadership(String group) {
        return coordinator == null ? null : coordinator.leadership(group);
    }

    /**
     * {@code group}'s leadership for status: this gateway's role and tenures, and, asked of ZooKeeper while the session
     * is connected (so that status never waits on an ensemble out of reach), the leader and the standbys; null without
     * coordination.
     */
    public GroupLeadershipStatus status(String group) {
        if (coordinator == null) {
            return null;
        }
        Leadership here = coordinator.leadership(group);
        Optional<GroupLeader> leader = askWhileConnected(group, "its leader", Optional.empty(),
                () -> coordinator.leaderOf(group));
        return new GroupLeadershipStatus(here == null ? LeadershipRole.CLOSED : here.role(),
                here == null ? 0 : here.epoch(), leader.map(GroupLeader::gatewayId).orElse(null),
                leader.map(GroupLeader::address).filter(a -> !a.isEmpty()).orElse(null),
                leader.map(GroupLeader::epoch).orElse(0L), standbys(group), tenures(group),
                lastTakeover(group), lastWait(group));
    }

    /**
     * The other gateways of the site contending for {@code group} (its latch's participants but the lock's holder),
     * asked of ZooKeeper while the session is connected; empty when not known, or without coordination.
     */
    public List<String> standbys(String group) {
        return coordinator == null ? List.of()
                : askWhileConnected(group, "its standbys", List.of(), () -> coordinator.standbys(group));
    }

    /** What ZooKeeper answers, or {@code unknown} while the session is not connected or the question fails. */
    private <T> T askWhileConnected(String group, String what, T unknown, Callable<T> question) {
        if (!connected()) {
            return unknown;
        }
        try {
            return question.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("group {}: {} cannot be read now: {}", group, what, e.toString());
        }
        return unknown;
    }

    /**
     * The ZooKeeper session's state as Curator last reported it (CONNECTED, SUSPENDED, RECONNECTED, LOST, READ_ONLY);
     * null without coordination.
     */
    public String sessionState() {
        return coordinator == null ? null : coordinator.connectionState().name();
    }

    /** Whether the ZooKeeper session is connected now; true without coordination. */
    public boolean connected() {
        return coordinator == null || coordinator.connectionState().isConnected();
    }

    @Override
    public void close() {
        if (coordinator != null) {
            coordinator.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
