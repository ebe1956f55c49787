package io.datamover.coordination;

import java.io.IOException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.SessionConnectionStateErrorPolicy;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway's membership of its site's gateway group in ZooKeeper and its leadership of consistency groups.
 *
 * <p>One owner thread ({@code coordination-GATEWAY}) holds all leadership state: Curator's latch callbacks, the
 * heartbeat's answers and the fencing checks all run there. Other threads ask {@link #leadingEpoch} before acting as
 * a group's leader; it answers from the published state and the {@link ContactFence}, so a leader that is paused or
 * cut off stops acting at its fencing deadline even if its owner thread has not run since.
 *
 * <p>Curator runs with {@link SessionConnectionStateErrorPolicy}: a brief disconnect (SUSPENDED) does not drop the
 * latch, only the loss of the session does; the fence bounds how long a disconnected leader may go on.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    /** How often scale-out assigns and follows the map at most (more often with a short session). */
    private static final Duration SCALE_OUT_ROUND = Duration.ofMillis(500);

    private final CoordinationConfig config;
    private final MonotonicClock clock;
    private final SitePaths paths;
    private final CuratorFramework client;
    private final ScheduledExecutorService owner;
    private final ContactFence fence;
    private final PersistentNode membership;
    private final Map<String, GroupContender> groups = new ConcurrentHashMap<>();
    private volatile ConnectionState connectionState = ConnectionState.CONNECTED;
    /** Null unless {@link #scaleOut} started it. */
    private volatile ScaleOut scaleOut;

    private Coordinator(CoordinationConfig config, MonotonicClock clock, CuratorFramework client) {
        this.config = config;
        this.clock = clock;
        this.paths = new SitePaths(config.site());
        this.client = client;
        this.owner = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("coordination-" + config.gatewayId()).daemon().factory());
        this.fence = new ContactFence(clock, config.fencingWindow());
        this.membership = new PersistentNode(client, CreateMode.EPHEMERAL, false,
                paths.gateway(config.gatewayId()), config.gatewayId().getBytes(StandardCharsets.UTF_8));
    }

    /** Connects to ZooKeeper, registers this gateway under its site and starts the heartbeat. */
    public static Coordinator connect(CoordinationConfig config, MonotonicClock clock)
            throws IOException, InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(config.connectString())
                .sessionTimeoutMs(Math.toIntExact(config.sessionTimeout().toMillis()))
                .connectionTimeoutMs(Math.toIntExact(config.connectTimeout().toMillis()))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .connectionStateErrorPolicy(new SessionConnectionStateErrorPolicy())
                .build();
        client.start();
        if (!client.blockUntilConnected(Math.toIntExact(config.connectTimeout().toMillis()), TimeUnit.MILLISECONDS)) {
            client.close();
            throw new IOException("no ZooKeeper answered at " + config.connectString() + " within "
                    + config.connectTimeout());
        }
        Coordinator coordinator = new Coordinator(config, clock, client);
        try {
            coordinator.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            coordinator.close();
            throw e;
        }
        return coordinator;
    }

    private void start() throws IOException, InterruptedException {
        client.getConnectionStateListenable().addListener((c, state) -> {
            connectionState = state;
            LOG.info("gateway {}: ZooKeeper connection {}", config.gatewayId(), state);
        }, owner);
        membership.start();
        if (!membership.waitForInitialCreate(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("could not register gateway " + config.gatewayId() + " under site "
                    + config.site() + " within " + config.connectTimeout());
        }
        long interval = config.heartbeatInterval().toNanos();
        owner.scheduleWithFixedDelay(this::heartbeat, interval, interval, TimeUnit.NANOSECONDS);
    }

    /**
     * Starts contending for {@code group}; {@code listener} hears every change of this gateway's leadership of it.
     * Already contending: nothing changes (a group reopened after a failure keeps its lock and its listener).
     */
    public void contend(String group, LeadershipListener listener) throws InterruptedException, IOException {
        SitePaths.requireName("consistency group", group);
        onOwner(() -> {
            if (groups.containsKey(group)) {
                return null;
            }
            GroupContender contender = new GroupContender(group, config, paths, client, fence, clock,
                    this::sessionId, listener);
            groups.put(group, contender);
            contender.start(owner);
            return null;
        });
    }

    /**
     * Makes {@code group} known to the site (a persistent node), so that the site's assigner maps it onto a gateway
     * (scale-out). Idempotent.
     */
    public void register(String group) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(paths.groupRoot(group));
        } catch (KeeperException.NodeExistsException known) {
            // registered before, or a gateway contended for it already
        }
    }

    /**
     * Scale-out: from now on this gateway takes part in the election of the site's assigner, and contends for the
     * groups the assigner maps onto it (and only for those: call {@link #register} rather than {@link #contend} for
     * the others), withdrawing from the ones moved away; {@code listener} hears the leadership changes of the groups
     * it contends for this way. At most {@code maxMoves} groups are moved at once.
     */
    public void scaleOut(int maxMoves, LeadershipListener listener) throws Exception {
        Duration interval = config.heartbeatInterval().compareTo(SCALE_OUT_ROUND) < 0 ? config.heartbeatInterval()
                : SCALE_OUT_ROUND;
        scaleOut = ScaleOut.start(this, maxMoves, interval, listener);
    }

    /** Whether this gateway is its site's assigner now (scale-out). */
    public boolean assigning() {
        ScaleOut running = scaleOut;
        return running != null && running.assigning();
    }

    /** The groups this gateway contends for now. */
    public Set<String> contending() {
        return Set.copyOf(groups.keySet());
    }

    /**
     * Asks ZooKeeper what {@code group}'s leader node says: the gateway that leads it, its epoch and address; empty
     * when none published one. A hint for redirecting a peer, never a licence to act.
     */
    public Optional<GroupLeader> leaderOf(String group) throws Exception {
        return new LeaderNode(client, paths.leader(group)).read();
    }

    /** Asks ZooKeeper which gateways contend for {@code group} (the leader and the standbys); empty if not contending. */
    public List<String> participants(String group) throws Exception {
        GroupContender contender = groups.get(group);
        return contender == null ? List.of() : contender.participants();
    }

    /**
     * Asks ZooKeeper which gateways contend for {@code group} without holding its lock (the standbys), sorted; empty
     * if this gateway does not contend for it.
     */
    public List<String> standbys(String group) throws Exception {
        GroupContender contender = groups.get(group);
        return contender == null ? List.of() : contender.standbys();
    }

    /** Stops contending for {@code group}, giving up its lock if held. */
    public void withdraw(String group) throws InterruptedException, IOException {
        onOwner(() -> {
            GroupContender contender = groups.remove(group);
            if (contender != null) {
                contender.close();
            }
            return null;
        });
    }

    /**
     * The epoch under which this gateway may act as {@code group}'s leader right now, or empty: ask before every
     * leader's action (shipping a batch, accepting a tap), never cache the answer.
     */
    public OptionalLong leadingEpoch(String group) {
        GroupContender contender = groups.get(group);
        if (contender == null) {
            return OptionalLong.empty();
        }
        Leadership leadership = contender.leadership();
        return fence.allows(leadership) ? OptionalLong.of(leadership.epoch()) : OptionalLong.empty();
    }

    /**
     * Asks ZooKeeper which gateway holds {@code group}'s lock now: its id, or empty when no one does or this gateway
     * does not contend for the group. A hint for taps (who to try), never a licence to act: that is
     * {@link #leadingEpoch}.
     */
    public Optional<String> lockHolder(String group) throws Exception {
        GroupContender contender = groups.get(group);
        return contender == null ? Optional.empty() : contender.lockHolder();
    }

    /**
     * How long this gateway's latest tenure of {@code group} waited for the lock, from contending (or its previous
     * tenure's end) to leading; 0 before any tenure, or when not contending.
     */
    public Duration lastWait(String group) {
        GroupContender contender = groups.get(group);
        return Duration.ofNanos(contender == null ? 0 : contender.lastWaitNanos());
    }

    /**
     * How long this gateway's latest takeover of {@code group} took, from the lock coming to it (the previous leader's
     * latch node gone from ZooKeeper) to leading under the raised epoch; 0 before any tenure, or when not contending.
     */
    public Duration lastTakeover(String group) {
        GroupContender contender = groups.get(group);
        return Duration.ofNanos(contender == null ? 0 : contender.lastTakeoverNanos());
    }

    /** This gateway's leadership of {@code group} as last published (for status), or null if not contending. */
    public Leadership leadership(String group) {
        GroupContender contender = groups.get(group);
        return contender == null ? null : contender.leadership();
    }

    /** The gateways of this site that are registered now (live sessions), sorted. */
    public List<String> members() throws Exception {
        return client.getChildren().forPath(paths.gateways()).stream().sorted().toList();
    }

    /** The epoch stored for {@code group} in ZooKeeper (0 if never raised): the highest any gateway has led under. */
    public long storedEpoch(String group) throws Exception {
        return new EpochCounter(client, paths.epoch(group)).current();
    }

    public ConnectionState connectionState() {
        return connectionState;
    }

    CuratorFramework client() {
        return client;
    }

    SitePaths paths() {
        return paths;
    }

    /** The ZooKeeper session id now (0 while there is none). */
    public long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception noSession) {
            return 0;
        }
    }

    public CoordinationConfig config() {
        return config;
    }

    /** On the owner thread: ask ZooKeeper something cheap to confirm contact, then check every group's fence. */
    private void heartbeat() {
        long session = sessionId();
        long started = clock.nanos();
        try {
            client.checkExists().inBackground((c, event) -> {
                int rc = event.getResultCode();
                boolean answered = rc == KeeperException.Code.OK.intValue()
                        || rc == KeeperException.Code.NONODE.intValue();
                if (answered && session != 0 && sessionId() == session) {
                    fence.confirmed(session, started);
                }
            }, owner).forPath(paths.gateway(config.gatewayId()));
        } catch (Exception e) {
            LOG.debug("heartbeat not sent: {}", e.toString());
        }
        for (GroupContender contender : groups.values()) {
            contender.tick();
        }
    }

    private <T> T onOwner(Callable<T> task) throws InterruptedException, IOException {
        try {
            return owner.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(e.getCause());
        }
    }

    /** Withdraws from every group (giving up the locks at once), leaves the site and closes the session. */
    @Override
    public void close() {
        ScaleOut running = scaleOut;
        if (running != null) {
            running.close(); // first: it would contend again for the groups closed below
        }
        if (!owner.isShutdown()) {
            try {
                onOwner(() -> {
                    groups.values().forEach(GroupContender::close);
                    return null;
                });
                owner.shutdown();
                owner.awaitTermination(10, TimeUnit.SECONDS);
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing the groups' latches: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the session still closes below: the locks go at once
            } finally {
                owner.shutdownNow();
            }
        }
        try {
            membership.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("leaving the site: {}", e.toString());
        }
        client.close();
    }
}
