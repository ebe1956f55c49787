package io.datamover.coordination;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's contention for one consistency group: a Curator {@link LeaderLatch} on the group's lock, the epoch
 * raised on each tenure, and the {@link Leadership} state. Every method but {@link #leadership} runs on the
 * coordinator's owner thread, the one owner of the state; the latch's callbacks are handed to that thread too.
 */
final class GroupContender {
    private static final Logger LOG = LoggerFactory.getLogger(GroupContender.class);

    private final String group;
    private final String gatewayId;
    private final String address;
    private final CuratorFramework client;
    private final LeaderLatch latch;
    private final EpochCounter epochs;
    private final LeaderNode leaderNode;
    private final ContactFence fence;
    private final MonotonicClock clock;
    private final LongSupplier sessionId;
    private final LeadershipListener listener;
    private volatile Leadership leadership = Leadership.INITIAL;
    /** When this gateway last began to wait for the lock (contending, or since its tenure ended). Owner thread. */
    private long waitingSinceNanos;
    /** How long the latest tenure waited for the lock, from {@link #waitingSinceNanos} to leading; 0 before one. */
    private volatile long lastWaitNanos;
    /**
     * When the lock last came to this gateway's latch: the previous holder's latch node was gone from ZooKeeper (its
     * session expired, or it withdrew); 0 once a tenure used it. Owner thread.
     */
    private long lockCameNanos;
    /** How long the latest takeover took, from {@link #lockCameNanos} to leading under the raised epoch. */
    private volatile long lastTakeoverNanos;

    GroupContender(String group, CoordinationConfig config, SitePaths paths, CuratorFramework client,
            ContactFence fence, MonotonicClock clock, LongSupplier sessionId, LeadershipListener listener) {
        this.group = group;
        this.gatewayId = config.gatewayId();
        this.address = config.address();
        this.client = client;
        this.latch = new LeaderLatch(client, paths.lock(group), gatewayId);
        this.epochs = new EpochCounter(client, paths.epoch(group));
        this.leaderNode = new LeaderNode(client, paths.leader(group));
        this.fence = fence;
        this.clock = clock;
        this.sessionId = sessionId;
        this.listener = listener;
    }

    void start(Executor owner) throws Exception {
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                lockCameNanos = clock.nanos();
                takeOver();
            }

            @Override
            public void notLeader() {
                apply(new Leadership.Event.LockLost());
            }
        }, owner);
        waitingSinceNanos = clock.nanos();
        latch.start();
    }

    /** Any thread; asks ZooKeeper: the id of the gateway whose latch node holds the group's lock, or empty. */
    Optional<String> lockHolder() throws Exception {
        Participant holder = latch.getLeader();
        return holder.isLeader() ? Optional.of(holder.getId()) : Optional.empty();
    }

    /** Any thread; asks ZooKeeper: the ids of the gateways whose latch nodes contend for the group, leader included. */
    List<String> participants() throws Exception {
        return latch.getParticipants().stream().map(Participant::getId).toList();
    }

    /** Any thread; asks ZooKeeper: the ids of the gateways contending for the group without holding its lock. */
    List<String> standbys() throws Exception {
        return latch.getParticipants().stream().filter(p -> !p.isLeader()).map(Participant::getId).sorted().toList();
    }

    /**
     * Any thread: how long the latest tenure waited for the lock, from when this gateway began to contend (or its
     * previous tenure ended) to leading: a takeover's duration as this gateway saw it; 0 before any tenure.
     */
    long lastWaitNanos() {
        return lastWaitNanos;
    }

    /**
     * Any thread: how long the latest takeover took, from the lock coming to this gateway (the previous leader's latch
     * node gone from ZooKeeper: its session expired or it withdrew) to leading under the raised epoch; 0 before any.
     */
    long lastTakeoverNanos() {
        return lastTakeoverNanos;
    }

    /** Any thread: the state as last published. */
    Leadership leadership() {
        return leadership;
    }

    /** The heartbeat's check: demote a tenure whose fence closed; take a lock we hold but do not lead under. */
    void tick() {
        Leadership now = leadership;
        if (now.role() == LeadershipRole.LEADING && !fence.allows(now)) {
            LOG.warn("group {}: no confirmed contact with ZooKeeper within the fencing window: demoted (epoch {})",
                    group, now.epoch());
            apply(new Leadership.Event.FenceExpired());
        } else if (now.role() != LeadershipRole.LEADING && now.role() != LeadershipRole.CLOSED
                && client.getZookeeperClient().isConnected() && latch.hasLeadership()) {
            // DEMOTED and the session survived, or the raise failed when the lock came: lead under a new epoch
            takeOver();
        }
    }

    /** The latch is ours: raise the epoch while holding it, then lead under that epoch. */
    private void takeOver() {
        if (!latch.hasLeadership() || leadership.role() == LeadershipRole.LEADING) {
            return;
        }
        long session = sessionId.getAsLong();
        long started = clock.nanos();
        try {
            Optional<Long> epoch = epochs.raiseHolding(latch.getOurPath());
            if (epoch.isPresent() && sessionId.getAsLong() == session) {
                fence.confirmed(session, started); // the raise was answered: contact in this session
                long now = clock.nanos();
                lastWaitNanos = now - waitingSinceNanos;
                lastTakeoverNanos = now - (lockCameNanos != 0 ? lockCameNanos : waitingSinceNanos);
                lockCameNanos = 0; // a DEMOTED tenure that leads again counts from its demotion (waitingSinceNanos)
                apply(new Leadership.Event.Elected(epoch.get(), session));
                publishLeader(epoch.get());
            }
        } catch (Exception e) {
            // the latch keeps the lock; tick() tries again once ZooKeeper answers
            LOG.warn("group {}: could not raise the epoch after taking the lock: {}", group, e.toString());
        }
    }

    /** Tells the site who leads now, for redirects; a failure costs only the hint, so it is logged, not fatal. */
    private void publishLeader(long epoch) {
        try {
            leaderNode.publish(new GroupLeader(gatewayId, epoch, address));
        } catch (Exception e) {
            LOG.warn("group {}: could not publish this gateway as the leader (epoch {}): {}", group, epoch,
                    e.toString());
        }
    }

    private void retractLeader() {
        try {
            leaderNode.retract(gatewayId);
        } catch (Exception e) {
            LOG.debug("group {}: retracting the leader node: {}", group, e.toString());
        }
    }

    void close() {
        try {
            latch.close();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("group {}: closing the latch: {}", group, e.toString());
        }
        apply(new Leadership.Event.Closed());
    }

    private void apply(Leadership.Event event) {
        Leadership before = leadership;
        Leadership after = before.next(event);
        if (!after.equals(before)) {
            leadership = after;
            LOG.info("group {}: {} -> {} (epoch {})", group, before.role(), after.role(), after.epoch());
            if (before.role() == LeadershipRole.LEADING) {
                waitingSinceNanos = clock.nanos();
            }
            if (before.role() == LeadershipRole.LEADING && after.role() != LeadershipRole.DEMOTED
                    && client.getZookeeperClient().isConnected()) {
                retractLeader(); // cut off (DEMOTED), the node goes with the session or the next leader replaces it
            }
            listener.changed(group, after);
        }
    }
}
