package io.datamover.coordination;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway's part in scale-out (docs/coordination.md): each round, on its own thread, it assigns the site's groups
 * if it is the site's assigner ({@link SiteAssigner}), then follows the map: it contends for the groups assigned to
 * it, withdraws at once from moved groups it does not lead, and from a moved group it leads once the new owner
 * contends for it (its latch node waits behind ours: the lock passes straight to it). The group's lock stays the
 * authority; the map only says who should contend.
 */
final class ScaleOut implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScaleOut.class);

    private final Coordinator coordinator;
    private final SiteAssigner assigner;
    private final LeadershipListener listener;
    private final ScheduledExecutorService thread;
    private final String gatewayId;

    private ScaleOut(Coordinator coordinator, SiteAssigner assigner, LeadershipListener listener) {
        this.coordinator = coordinator;
        this.assigner = assigner;
        this.listener = listener;
        this.gatewayId = coordinator.config().gatewayId();
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("scale-out-" + gatewayId).daemon().factory());
    }

    /**
     * Joins the site's assigner election and follows the map every {@code interval}; {@code listener} hears the
     * leadership changes of the groups this starts contending for.
     */
    static ScaleOut start(Coordinator coordinator, int maxMoves, Duration interval, LeadershipListener listener)
            throws Exception {
        SiteAssigner assigner = new SiteAssigner(coordinator.client(), coordinator.paths(),
                coordinator.config().gatewayId(), maxMoves);
        ScaleOut scaleOut = new ScaleOut(coordinator, assigner, listener);
        assigner.start();
        scaleOut.thread.scheduleWithFixedDelay(scaleOut::round, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        return scaleOut;
    }

    boolean assigning() {
        return assigner.assigning();
    }

    private void round() {
        try {
            assigner.assign();
            follow(readMap());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("gateway {}: scale-out round failed, trying again next round: {}", gatewayId, e.toString());
        }
    }

    private Assignment readMap() throws Exception {
        try {
            return Assignment.decode(coordinator.client().getData().forPath(coordinator.paths().assignment()));
        } catch (KeeperException.NoNodeException none) {
            return Assignment.EMPTY;
        }
    }

    private void follow(Assignment map) throws Exception {
        for (String group : map.groupsOf(gatewayId)) {
            coordinator.contend(group, listener); // nothing changes when contending already
        }
        Set<String> contending = coordinator.contending();
        for (String group : contending) {
            String owner = map.ownerOf(group);
            if (owner == null || owner.equals(gatewayId)) {
                continue;
            }
            Leadership leadership = coordinator.leadership(group);
            boolean leading = leadership != null && leadership.role() == LeadershipRole.LEADING;
            if (!leading || coordinator.participants(group).contains(owner)) {
                LOG.info("gateway {}: group {} is assigned to {}: withdrawing{}", gatewayId, group, owner,
                        leading ? " (it contends: the lock passes to it)" : "");
                coordinator.withdraw(group);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assigner.close();
    }
}
