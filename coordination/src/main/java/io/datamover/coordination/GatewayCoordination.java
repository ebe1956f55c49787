package io.datamover.coordination;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
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
    /** Notified on every change of this gateway's leadership of any group, for {@link #awaitLeading}. */
    private final Object leadershipChanged = new Object();

    private GatewayCoordination(EmbeddedZooKeeper embedded, Coordinator coordinator, MonotonicClock clock) {
        this.embedded = embedded;
        this.coordinator = coordinator;
        this.clock = clock;
    }

    /**
     * Starts the embedded server (its data in {@code zookeeperDir}) when asked, and joins the site as
     * {@code gatewayId}.
     */
    public static GatewayCoordination start(CoordinationSettings settings, Path zookeeperDir, String gatewayId,
            MonotonicClock clock) throws IOException, InterruptedException {
        if (settings.mode() == CoordinationSettings.Mode.NONE) {
            return new GatewayCoordination(null, null, clock);
        }
        EmbeddedZooKeeper embedded = settings.mode() == CoordinationSettings.Mode.EMBEDDED
                ? EmbeddedZooKeeper.start(zookeeperDir, 0) : null;
        try {
            String connect = embedded != null ? embedded.connectString() : settings.zookeeper();
            Coordinator coordinator = Coordinator.connect(new CoordinationConfig(connect, settings.site(), gatewayId,
                    settings.sessionTimeout(), CONNECT_TIMEOUT), clock);
            LOG.info("gateway {} joined site {} on ZooKeeper {}{}", gatewayId, settings.site(), connect,
                    embedded != null ? " (embedded: not highly available)" : "");
            return new GatewayCoordination(embedded, coordinator, clock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /**
     * Contends for {@code group} (again after a reopen: nothing changes); {@code stoppedLeading} runs, on the
     * coordination thread, each time a tenure of this gateway ends (STANDBY, DEMOTED, CLOSED).
     */
    public void contend(String group, Runnable stoppedLeading) throws IOException, InterruptedException {
        if (coordinator != null) {
            coordinator.contend(group, (g, leadership) -> {
                synchronized (leadershipChanged) {
                    leadershipChanged.notifyAll();
                }
                if (leadership.role() != LeadershipRole.LEADING) {
                    stoppedLeading.run();
                }
            });
        }
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

    /** Whether another gateway's latch node holds {@code group}'s lock; false when ZooKeeper does not answer. */
    private boolean heldByAnother(String group) {
        try {
            return coordinator.lockHolder(group).filter(id -> !id.equals(coordinator.config().gatewayId()))
                    .isPresent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.debug("group {}: who holds the lock is not known now: {}", group, e.toString());
            return false;
        }
    }

    /** The epoch under which this gateway may act as {@code group}'s leader now; 0 without coordination. */
    public OptionalLong leadingEpoch(String group) {
        return coordinator == null ? OptionalLong.of(0) : coordinator.leadingEpoch(group);
    }

    /** This gateway's leadership of {@code group} for status, or null without coordination or contention. */
    public Leadership leadership(String group) {
        return coordinator == null ? null : coordinator.leadership(group);
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
