package io.datamover.gateway.target;

import io.datamover.applier.FailbackRecord;
import io.datamover.applier.FailoverRecord;
import io.datamover.applier.RehearsalRefusedException;
import io.datamover.applier.RehearsalView;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaSetException;
import io.datamover.applier.ReplicaState;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DirectoryRoom;
import io.datamover.disk.GroupCapacity;
import io.datamover.disk.OpenFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.DiskSetChange;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ListenerGuard;
import io.datamover.protocol.tls.HelloAuthorization;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target gateway daemon: accepts source gateways, one connection per consistency group at a time, and for
 * each group keeps a replica set under {@code <replicaDir>/cg-<cgId>} and a spool under
 * {@code <dataDir>/cg-<cgId>/spool} (named by id, not by name, so renaming a group never orphans its replicas).
 * Groups found on disk at start are opened at once, so batches spooled before a crash are applied before any
 * source connects.
 *
 * <p>Threads: the Netty event loop only moves frames; a small pool ({@link GroupCapacity#OPENING_THREADS}) looks up
 * and creates replica sets (disk I/O), groups side by side, each group by one thread at a time
 * ({@link GroupCapacity#openLock}); each group has a spool writer and an applier thread
 * ({@link ConsistencyGroupTarget}). A {@link ListenerGuard} bounds the connections and handshakes the listener
 * holds.
 *
 * <p>A group whose applying stopped on a storage failure (a full disk: ENOSPC; an I/O error) is closed and opened
 * again by an opener thread (under its open lock) after a backoff (1 s, doubling up to 30 s; back to 1 s once a
 * reopening applied a batch), as an operator's restart would: a fresh replica set replays the spool from the
 * recorded applied seq. So the group resumes on its own once space is freed; meanwhile its status keeps the error
 * and its source is refused with it.
 */
public final class TargetGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetGateway.class);
    private static final long STORAGE_RETRY_FIRST_MS = 1_000;
    private static final long STORAGE_RETRY_MAX_MS = 30_000;

    private final TargetGatewayConfig config;
    private final TargetMetrics metrics;
    /** Which sources' certificates may say their HELLO: source gateways of the served pair, if one is set. */
    private final HelloAuthorization authorization;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final Map<Integer, ConsistencyGroupTarget> groups = new ConcurrentHashMap<>();
    /**
     * Groups failed over here (or whose failover was interrupted), by cg: not opened, their sources refused, shown
     * in status from their stamp and failover record.
     */
    private final Map<Integer, ConsistencyGroupStatus> failedOver = new ConcurrentHashMap<>();
    /** The step of a failover running now, by cg, for status. */
    private final Map<Integer, String> operations = new ConcurrentHashMap<>();
    /**
     * Looks up, and for new groups opens, the replica sets sources' HELLOs name, and reopens the groups stopped by a
     * storage failure; off the event loop.
     */
    private final ExecutorService openers = Executors.newFixedThreadPool(GroupCapacity.OPENING_THREADS,
            Thread.ofPlatform().name("target-open-", 0).factory());
    /** Times the reopening of groups stopped by a storage failure; the reopening itself runs on an opener. */
    private final ScheduledExecutorService storageRetries = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("target-storage-retry").daemon(true).unstarted(r));
    /** Reopenings in a row, by cg, that applied nothing yet: the backoff's exponent. */
    private final Map<Integer, Integer> storageRetryAttempts = new ConcurrentHashMap<>();
    private final EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(0,
            new DefaultThreadFactory("target-gateway-io"), NioIoHandler.newFactory());
    private final ChannelGroup sessions = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final InstantSource clock;
    /** The data directory and the replica directory, held for the gateway's life: one owner each. */
    private final List<DirectoryLock> directoryLocks = new ArrayList<>();
    private Channel server;
    private boolean closed;

    private final GroupCapacity capacity;

    private TargetGateway(TargetGatewayConfig config, MeterRegistry registry, InstantSource clock,
            GroupCapacity capacity) {
        this.config = config;
        this.metrics = new TargetMetrics(registry);
        this.authorization = new HelloAuthorization(Role.SOURCE_GATEWAY, config.pairId(), config.transport());
        this.clock = clock;
        this.capacity = capacity;
    }

    /** Starts a gateway: reopens the groups on disk (applying what their spools hold), then listens. */
    public static TargetGateway start(TargetGatewayConfig config, MeterRegistry registry)
            throws IOException, InterruptedException {
        return start(config, registry, InstantSource.system());
    }

    /** As {@link #start(TargetGatewayConfig, MeterRegistry)}, with the clock heartbeats are stamped from. */
    public static TargetGateway start(TargetGatewayConfig config, MeterRegistry registry, InstantSource clock)
            throws IOException, InterruptedException {
        TargetGateway gateway = new TargetGateway(config, registry, clock,
                new GroupCapacity(config.maxGroups(), OpenFiles.ofThisProcess()));
        try {
            gateway.lockDirectories();
            gateway.reopenGroups();
            gateway.listen();
        } catch (IOException | InterruptedException | RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    private void lockDirectories() throws IOException {
        PrivateFiles.createDirectories(config.dataDir());
        directoryLocks.add(DirectoryLock.acquire(config.dataDir(), "the target gateway"));
        PrivateFiles.createDirectories(config.replicaDir());
        if (!Files.isSameFile(config.dataDir(), config.replicaDir())) {
            directoryLocks.add(DirectoryLock.acquire(config.replicaDir(), "the target gateway"));
        }
    }

    private void reopenGroups() throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(config.replicaDir(), "cg-*")) {
            found.forEach(dirs::add);
        }
        dirs.sort(Comparator.naturalOrder());
        for (Path dir : dirs) {
            try {
                Optional<ReplicaMetadata> stamp = ReplicaSet.readStamp(dir);
                if (stamp.isEmpty()) {
                    continue;
                }
                ReplicaMetadata m = stamp.get();
                if (config.pairId().isPresent() && !config.pairId().get().equals(m.pairId())) {
                    LOG.warn("{} belongs to pair '{}', not to the pair '{}' this gateway serves: left alone", dir,
                            m.pairId(), config.pairId().get());
                    continue;
                }
                Optional<FailbackRecord> failback = FailbackRecord.read(dir);
                if (failback.isPresent() && !failback.get().done()) {
                    String interrupted = failback.get().progress() + " done, interrupted: run datamover failback again";
                    LOG.warn("cg {}: {}: not opened, sources refused", Integer.toUnsignedString(m.cgId()), interrupted);
                    failedOver.put(m.cgId(), stoppedStatus(m, interrupted));
                    continue;
                }
                Optional<FailoverRecord> failover = FailoverRecord.read(dir);
                if (failover.isPresent()) {
                    LOG.info("cg {}: failed over here ({}): not opened, sources refused{}",
                            Integer.toUnsignedString(m.cgId()), failover.get().step(),
                            failover.get().step() == FailoverRecord.Step.DONE ? ""
                                    : "; the failover was interrupted: run datamover failover again");
                    failedOver.put(m.cgId(), failedOverStatus(m, failover.get()));
                    ConsistencyGroupTarget.discardRehearsal(config, m.cgId());
                    continue;
                }
                groups.put(m.cgId(), ConsistencyGroupTarget.open(
                        config.replicaSet(m.pairId(), m.cgId(), m.disks(), config.provisioning()), config, metrics,
                        alloc, this::storageFailed));
            } catch (IOException | RuntimeException e) {
                // One damaged group must not keep the others from replicating; its source is refused on connect.
                LOG.error("cannot reopen the consistency group in {}: {}", dir, e.getMessage());
            }
        }
    }

    private void listen() throws InterruptedException {
        ListenerGuard guard = new ListenerGuard("source gateways", config.listenerLimits(), reason -> metrics
                .registry().counter(ListenerGuard.METRIC, "listener", "sources", "reason", reason).increment());
        server = new ServerBootstrap()
                .group(eventLoops)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        sessions.add(ch);
                        ch.pipeline().addLast(guard.newHandler());
                        // TLS behind the guard: a slow handshake holds an unfinished-handshake slot and runs under
                        // the HELLO timeout.
                        config.transport().secureServer(ch, config.listenerLimits().helloTimeoutMs(),
                                guard.tlsRefusals());
                        ch.pipeline().addLast(
                                new IdleStateHandler(config.idleTimeoutMs(), config.heartbeatIntervalMs(), 0,
                                        TimeUnit.MILLISECONDS),
                                FrameDecoder.untilHandshake(config.frameLimits()),
                                new FrameEncoder(),
                                newSession());
                    }
                })
                .bind(config.listenHost(), config.listenPort())
                .sync()
                .channel();
        LOG.info("target gateway {} listening on {} (data {}, replicas {}, pair {}, {} groups on disk; {}; {}; {})",
                config.receiverId(), address(), config.dataDir(), config.replicaDir(),
                authorization.servedPairName(), groups.size(),
                capacity.describe(ConsistencyGroupTarget.descriptors(1)), config.listenerLimits(), config.transport());
    }

    /** The handler of one source's connection, attaching to this gateway's groups. */
    SourceSession newSession() {
        return new SourceSession(this::attach, authorization, config, metrics, clock);
    }

    /** Finds or opens the group {@code asked} names, then attaches the session to it (off the event loop). */
    private CompletableFuture<SourceSession.Attachment> attach(SourceSession session, ReplicaSetConfig asked,
            Hello hello, HelloAuthorization.Grant grant) {
        CompletableFuture<ConsistencyGroupTarget> group = new CompletableFuture<>();
        try {
            openers.execute(() -> {
                try {
                    group.complete(groupFor(asked, hello, grant));
                } catch (ProtocolException | RuntimeException e) {
                    group.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            group.completeExceptionally(new ProtocolException(ErrorCode.SHUTTING_DOWN, "the target gateway is stopping"));
        }
        return group.thenCompose(g -> g.attach(session, asked, hello).thenApply(
                admitted -> new SourceSession.Attachment(g, admitted.resumeSeq(), admitted.generations(),
                        g.pendingDiscard())));
    }

    /**
     * Runs on an opener thread. An existing group only takes a certificate of the pair it is held for; a new group's
     * pair is the HELLO's, which {@link HelloAuthorization#authorize} matched with the certificate's.
     */
    private ConsistencyGroupTarget groupFor(ReplicaSetConfig asked, Hello hello, HelloAuthorization.Grant grant)
            throws ProtocolException {
        synchronized (capacity.openLock(asked.cgId())) {
            ConsistencyGroupTarget existing = groups.get(asked.cgId());
            if (existing != null) {
                grant.requireGroupPair(asked.cgId(), existing.replicaConfig().pairId());
                if (DiskSetChange.grows(existing.replicaConfig().disks(), asked.disks())) {
                    return grow(existing, asked, hello);
                }
                return existing;
            }
            return create(asked, hello);
        }
    }

    /**
     * Under the group's open lock: the source declares larger disks. The group is closed (the applier finishes its
     * batch) and opened again with them: {@link ReplicaSet#open} grows each replica and then records the sizes in its
     * stamp, before this HELLO is answered, so every batch of the connection, and any past an old end, finds the
     * replicas grown. What is spooled is applied after, as at any open. Refused (the source retries) while another
     * source connection is attached, an operation (failover) holds the group or a rehearsal views its replicas.
     */
    private ConsistencyGroupTarget grow(ConsistencyGroupTarget existing, ReplicaSetConfig asked, Hello hello)
            throws ProtocolException {
        String cg = Integer.toUnsignedString(asked.cgId());
        if (existing.sourceAttached()) {
            throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "consistency group " + cg + " already has a "
                    + "source connected; its disks grow once that one is gone");
        }
        if (operations.containsKey(asked.cgId())) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + cg + " is being failed over:"
                    + " its disks do not grow");
        }
        if (existing.applyLoop().rehearsal() != null) {
            throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "consistency group " + cg + " has a rehearsal "
                    + "running on its replicas: its disks grow once `datamover rehearse stop` ended it");
        }
        LOG.info("cg {}: the source declares grown disks: {} -> {}; the replica set is opened again with them", cg,
                existing.replicaConfig().disks(), asked.disks());
        try {
            existing.close();
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "consistency group " + cg + " cannot be closed to"
                    + " grow its disks: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.SHUTTING_DOWN, "the target gateway is stopping");
        }
        groups.remove(asked.cgId(), existing);
        try {
            return create(asked, hello);
        } catch (ProtocolException refused) {
            // e.g. a block device smaller than the new size: the group stays as it was, shown and refusing the source
            LOG.error("cg {}: cannot grow the replicas: {}", cg, refused.getMessage());
            try {
                groups.put(asked.cgId(), ConsistencyGroupTarget.open(existing.replicaConfig(), config, metrics, alloc,
                        this::storageFailed));
            } catch (IOException | RuntimeException e) {
                refused.addSuppressed(e);
            }
            throw refused;
        }
    }

    /** Under the group's open lock: opens the replica set of a new group, if it fits. */
    private ConsistencyGroupTarget create(ReplicaSetConfig asked, Hello hello) throws ProtocolException {
        ConsistencyGroupStatus promoted = failedOver.get(asked.cgId());
        if (promoted != null || operations.containsKey(asked.cgId())) {
            throw refusedAsPromoted(asked.cgId(), promoted, hello);
        }
        String refusal = capacity.admit(groups.size(), ConsistencyGroupTarget.descriptors(asked.disks().size()));
        if (refusal != null) {
            throw new ProtocolException(ErrorCode.TOO_MANY_GROUPS, "consistency group "
                    + Integer.toUnsignedString(asked.cgId()) + " of pair " + asked.pairId() + " is new and refused: "
                    + refusal);
        }
        ConsistencyGroupTarget opened = null;
        try {
            opened = ConsistencyGroupTarget.open(asked, config, metrics, alloc, this::storageFailed);
            return opened;
        } catch (ReplicaSetException e) {
            throw ConsistencyGroupTarget.refusal(asked.cgId(), e);
        } catch (IOException e) {
            LOG.error("cannot open consistency group {}: {}", Integer.toUnsignedString(asked.cgId()), e.toString());
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "target cannot open consistency group "
                    + Integer.toUnsignedString(asked.cgId()) + ": " + e.getMessage());
        } finally {
            ConsistencyGroupTarget publish = opened;
            capacity.opened(() -> {
                if (publish != null) {
                    groups.put(asked.cgId(), publish);
                }
            });
        }
    }

    /**
     * The refusal of a source of a group failed over here; a split brain (the source wrote past the promoted seq) is
     * kept in the group's status (DIVERGED, with both histories) until the next source is refused otherwise.
     */
    private ProtocolException refusedAsPromoted(int cgId, ConsistencyGroupStatus promoted, Hello hello) {
        Optional<ReplicaMetadata> stamp = Optional.empty();
        try {
            stamp = promoted == null || operations.containsKey(cgId) ? Optional.empty()
                    : ReplicaSet.readStamp(replicaSetDirectory(config.replicaDir(), cgId));
        } catch (IOException e) {
            LOG.warn("cg {}: cannot read the promoted stamp: {}", Integer.toUnsignedString(cgId), e.toString());
        }
        ProtocolException refusal = stamp.isEmpty() ? PromotedGroupRefusal.replicationStopped(cgId)
                : PromotedGroupRefusal.of(stamp.get(), hello);
        if (promoted != null) {
            boolean diverged = refusal.code() == ErrorCode.DIVERGED;
            failedOver.computeIfPresent(cgId, (cg, s) -> s.withGenerationRefusal(diverged
                    ? ErrorCode.DIVERGED + ": " + refusal.getMessage() : null));
            if (diverged) {
                LOG.error("cg {}: {}", Integer.toUnsignedString(cgId), refusal.getMessage());
            }
        }
        return refusal;
    }

    /** A group's applying stopped on a storage failure (any thread): reopen it after the backoff. */
    private void storageFailed(ConsistencyGroupTarget failed) {
        int cg = failed.cgId();
        int attempt = failed.appliedSinceOpen() ? 0 : storageRetryAttempts.getOrDefault(cg, 0);
        storageRetryAttempts.put(cg, attempt + 1);
        long delayMs = Math.min(STORAGE_RETRY_MAX_MS, STORAGE_RETRY_FIRST_MS << Math.min(attempt, 16));
        LOG.warn("cg {}: storage failure; reopening the replica set to retry in {} ms (retry {})",
                Integer.toUnsignedString(cg), delayMs, attempt + 1);
        try {
            storageRetries.schedule(() -> openers.execute(() -> reopen(failed)), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: the next start replays the spool
        }
    }

    /** Runs on an opener thread: closes a group stopped by a storage failure and opens it again. */
    private void reopen(ConsistencyGroupTarget failed) {
        synchronized (capacity.openLock(failed.cgId())) {
            reopenLocked(failed);
        }
    }

    private void reopenLocked(ConsistencyGroupTarget failed) {
        int cg = failed.cgId();
        if (groups.get(cg) != failed) {
            return;
        }
        try {
            failed.close();
            groups.put(cg, ConsistencyGroupTarget.open(failed.replicaConfig(), config, metrics, alloc,
                    this::storageFailed, true));
            LOG.info("cg {}: replica set reopened after a storage failure", Integer.toUnsignedString(cg));
        } catch (IOException | RuntimeException e) {
            LOG.error("cg {}: cannot reopen the replica set after a storage failure: {}",
                    Integer.toUnsignedString(cg), e.toString());
            storageFailed(failed); // still in the map, closed, refusing sources with its failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code datamover failover --cg N}: stops applying the group (refused while its source is connected, unless
     * {@code force}), applies what is spooled (up to {@link #FAILOVER_DRAIN_MILLIS}), closes it, then promotes its
     * replicas ({@link Failover}). Idempotent: a group failed over already answers with its report again; an
     * interrupted failover continues. Any thread but an event loop; blocks until done.
     *
     * @throws ProtocolException refused (the source is connected, the group is unknown here), nothing changed
     * @throws IOException the failover stopped on a storage error or was refused by the replicas; rerun is safe
     */
    public Failover.Report failover(int cgId, boolean force) throws ProtocolException, IOException,
            InterruptedException {
        return failover(cgId, force, NOT_PLANNED);
    }

    /** {@link #failover(int, boolean, long)}'s plannedSeq when the failover is not a planned migration's hand-off. */
    public static final long NOT_PLANNED = -1;

    /**
     * As {@link #failover(int, boolean)}; with {@code plannedSeq} (not {@link #NOT_PLANNED}) it is a planned
     * migration's hand-off (docs/operations.md, "Planned migration"): the source's writes stopped at that seq, so it
     * is allowed while the source is connected, and refused, nothing changed, unless the replicas hold and applied
     * exactly that seq (RPO 0).
     */
    public Failover.Report failover(int cgId, boolean force, long plannedSeq) throws ProtocolException, IOException,
            InterruptedException {
        String cg = Integer.toUnsignedString(cgId);
        synchronized (capacity.openLock(cgId)) {
            Path directory = replicaSetDirectory(config.replicaDir(), cgId);
            Optional<ReplicaMetadata> stamped = ReplicaSet.readStamp(directory);
            if (groups.get(cgId) == null && stamped.isEmpty()) {
                throw new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + cg
                        + " has no replicas at this target gateway (" + directory + ")");
            }
            if (plannedSeq != NOT_PLANNED && groups.get(cgId) == null && FailoverRecord.read(directory).isEmpty()
                    && stamped.get().appliedSeq() != plannedSeq) {
                throw new ProtocolException(ErrorCode.INCOMPATIBLE, "not at RPO 0 for a planned migration: the "
                        + "replicas applied seq " + stamped.get().appliedSeq() + ", the source's writes stopped at seq "
                        + plannedSeq + "; nothing changed");
            }
            Failover.SourceKnowledge known = Failover.SourceKnowledge.UNKNOWN;
            ConsistencyGroupTarget group = groups.get(cgId);
            if (group != null) {
                LOG.info("cg {}: failover{} asked: stopping replication into the group", cg, plannedSeq != NOT_PLANNED
                        ? " (a planned migration's hand-off at seq " + plannedSeq + ")" : force ? " --force" : "");
                long held = awaitWriter(group.stopForFailover(force, plannedSeq));
                operations.put(cgId, "failover: step 0/3: applying what is spooled (up to seq " + held + ")");
                if (!group.awaitDrained(FAILOVER_DRAIN_MILLIS)) {
                    LOG.warn("cg {}: failover: the spool is not applied after {} ms (applied seq {}, held {}): "
                            + "promoting what is applied", cg, FAILOVER_DRAIN_MILLIS, group.appliedSeq(), held);
                }
                known = group.sourceKnowledge();
                group.close();
                groups.remove(cgId);
            }
            operations.put(cgId, "failover: steps 1-3/3: recording, rolling back, promoting");
            try {
                Failover.Report report = Failover.run(cgId, directory,
                        config.dataDir().resolve(ConsistencyGroupTarget.directoryName(cgId)).resolve("spool"), force,
                        known, clock);
                failedOver.put(cgId, failedOverStatus(report.stamp(), report.record()));
                return report;
            } finally {
                operations.remove(cgId);
                ReplicaSet.readStamp(directory).ifPresent(stamp -> {
                    try {
                        FailoverRecord.read(directory).ifPresent(r -> failedOver.put(cgId, failedOverStatus(stamp, r)));
                    } catch (IOException e) {
                        LOG.warn("cg {}: cannot read the failover record: {}", cg, e.toString());
                    }
                });
            }
        }
    }

    /**
     * {@code datamover rehearse start --cg N}: opens a copy-on-write view of the group's replicas at their applied
     * seq while the applier goes on ({@link RehearsalView}). Idempotent: a rehearsal already running is returned.
     *
     * @throws ProtocolException the group is unknown here or failed over
     * @throws RehearsalRefusedException the replicas hold no consistent image now; nothing changed
     */
    public RehearsalView startRehearsal(int cgId, long scratchMaxBytes, long preserveMaxBytes)
            throws ProtocolException, RehearsalRefusedException, IOException, InterruptedException {
        ConsistencyGroupTarget group = serving(cgId);
        RehearsalView view = awaitApplier(group.applyLoop().startRehearsal(
                ConsistencyGroupTarget.rehearsalDirectory(config, cgId), scratchMaxBytes, preserveMaxBytes,
                clock.millis()));
        LOG.info("cg {}: rehearsal running on the image at seq {} (scratch up to {} bytes, before-images up to {} "
                + "bytes)", Integer.toUnsignedString(cgId), view.seq(), scratchMaxBytes, preserveMaxBytes);
        return view;
    }

    /**
     * {@code datamover rehearse stop --cg N}: ends the group's rehearsal and deletes its scratch and before-images;
     * the view that ran, or null when none did (idempotent).
     */
    public RehearsalView stopRehearsal(int cgId) throws ProtocolException, RehearsalRefusedException, IOException,
            InterruptedException {
        RehearsalView view = awaitApplier(serving(cgId).applyLoop().stopRehearsal());
        if (view != null) {
            LOG.info("cg {}: rehearsal stopped: its scratch ({} bytes) and before-images ({} bytes) are deleted",
                    Integer.toUnsignedString(cgId), view.scratchBytes(), view.preservedBytes());
        }
        return view;
    }

    /** The group's rehearsal view, if one runs. */
    public Optional<RehearsalView> rehearsal(int cgId) {
        ConsistencyGroupTarget group = groups.get(cgId);
        return group == null ? Optional.empty() : Optional.ofNullable(group.applyLoop().rehearsal());
    }

    private ConsistencyGroupTarget serving(int cgId) throws ProtocolException {
        ConsistencyGroupTarget group = groups.get(cgId);
        if (group == null) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + Integer.toUnsignedString(cgId)
                    + " is not replicated into this target gateway now (unknown, not connected since the start, or "
                    + "failed over)");
        }
        return group;
    }

    private static <T> T awaitApplier(CompletableFuture<T> step) throws RehearsalRefusedException, IOException,
            InterruptedException {
        try {
            return step.get(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("the group's applier did not answer within a minute (a batch still applying?)");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RehearsalRefusedException refused) {
                throw refused;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** How long a failover waits for the spooled batches to be applied before it promotes what is. */
    static final long FAILOVER_DRAIN_MILLIS = 60_000;

    private static long awaitWriter(CompletableFuture<Long> step) throws ProtocolException, InterruptedException {
        try {
            return step.get();
        } catch (java.util.concurrent.ExecutionException e) {
            ProtocolException refusal = ProtocolException.findIn(e.getCause());
            throw refusal != null ? refusal : new ProtocolException(ErrorCode.INTERNAL, e.getCause().toString());
        }
    }

    private static ConsistencyGroupStatus failedOverStatus(ReplicaMetadata stamp, FailoverRecord record) {
        return stoppedStatus(stamp, record.step() == FailoverRecord.Step.DONE ? null
                : "failover: interrupted after step 1/3 (recorded): run datamover failover again");
    }

    /** A group this gateway does not open, as its stamp shows it, with the operation that keeps it closed. */
    private static ConsistencyGroupStatus stoppedStatus(ReplicaMetadata stamp, String operation) {
        Map<String, ReplicaState> states = new java.util.LinkedHashMap<>();
        for (int i = 0; i < stamp.disks().size(); i++) {
            states.put(stamp.disks().get(i).name(), stamp.states().get(i));
        }
        return new ConsistencyGroupStatus(stamp.cgId(), stamp.pairId(), stamp.appliedSeq(), stamp.appliedSeq(),
                states, 0, 0, false, null, -1, false, 0, null, stamp.generations().current(), operation);
    }

    /**
     * The stamp of group {@code cgId}'s promoted replicas, for reverse replication set up through the running daemons:
     * the recovery site's source gateway continues its history after its seq (docs/operations.md, "Reverse
     * replication"). Reads only.
     *
     * @throws IllegalStateException the group is not failed over here, or an operation on it is under way
     */
    public ReplicaMetadata promotedStamp(int cgId) throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        String running = operations.get(cgId);
        if (running != null) {
            throw new IllegalStateException("consistency group " + cg + " is busy here: " + running);
        }
        if (!failedOver.containsKey(cgId)) {
            throw new IllegalStateException("consistency group " + cg + " is not failed over at this target gateway: "
                    + "run datamover failover (or migrate) first");
        }
        Path directory = replicaSetDirectory(config.replicaDir(), cgId);
        ReplicaMetadata stamp = ReplicaSet.readStamp(directory).orElseThrow(() -> new IllegalStateException(directory
                + " holds no replica set"));
        if (!stamp.promoted()) {
            throw new IllegalStateException("consistency group " + cg + " is not PROMOTED at " + directory + " ("
                    + stamp.states() + ")");
        }
        return stamp;
    }

    /**
     * A planned migration's check of room for the reverse direction: null when this gateway could take group
     * {@code cgId} on as its replica set (it holds none, open, promoted or in its replica directory; one more group
     * fits; its data directory has room for the group's spool), else why not. What the original disks' file system
     * holds is not checked here: the disks are linked, not copied.
     */
    public String reverseRoom(int cgId) {
        String cg = Integer.toUnsignedString(cgId);
        if (groups.containsKey(cgId) || failedOver.containsKey(cgId) || operations.containsKey(cgId)
                || Files.exists(replicaSetDirectory(config.replicaDir(), cgId))) {
            return "it holds consistency group " + cg + " already";
        }
        String full = capacity.refusal(groups.size(), ConsistencyGroupTarget.descriptors(1));
        return full != null ? full : DirectoryRoom.refusal(config.dataDir(), config.spoolMaxBytes(),
                "a group's spool (--spool-max)");
    }

    /** Where the replica set of consistency group {@code cgId} lives under {@code replicaDir}. */
    public static Path replicaSetDirectory(Path replicaDir, int cgId) {
        return replicaDir.resolve(ConsistencyGroupTarget.directoryName(cgId));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** A snapshot of every consistency group this gateway holds, by id. */
    public List<ConsistencyGroupStatus> consistencyGroups() {
        Map<Integer, ConsistencyGroupStatus> all = new java.util.TreeMap<>(Integer::compareUnsigned);
        failedOver.forEach(all::put);
        groups.values().forEach(g -> all.put(g.cgId(), g.status()));
        all.replaceAll((cg, status) -> withOperation(status, operations.get(cg)));
        return List.copyOf(all.values());
    }

    /** A snapshot of consistency group {@code cgId}, if this gateway holds it. */
    public Optional<ConsistencyGroupStatus> consistencyGroup(int cgId) {
        return consistencyGroups().stream().filter(s -> s.cgId() == cgId).findFirst();
    }

    private static ConsistencyGroupStatus withOperation(ConsistencyGroupStatus s, String running) {
        if (running == null) {
            return s;
        }
        return new ConsistencyGroupStatus(s.cgId(), s.pairId(), s.appliedSeq(), s.heldSeq(), s.replicaStates(),
                s.spoolBytes(), s.spoolBatches(), s.sourceConnected(), s.applyFailure(), s.consistentSeq(),
                s.resyncProtected(), s.undoLogBytes(), s.generationRefusal(), s.generation(), running);
    }

    /**
     * Stops accepting, closes every source connection (SHUTTING_DOWN), lets each applier finish the batch it is
     * applying, closes the replicas. Idempotent.
     */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.close().sync();
        }
        sessions.writeAndFlush(ErrorFrame.of(ErrorCode.SHUTTING_DOWN, "the target gateway is stopping"))
                .awaitUninterruptibly(2, TimeUnit.SECONDS);
        sessions.close().awaitUninterruptibly();
        storageRetries.shutdownNow();
        openers.shutdown();
        openers.awaitTermination(30, TimeUnit.SECONDS);
        for (ConsistencyGroupTarget group : groups.values()) {
            try {
                group.close();
            } catch (IOException e) {
                LOG.error("cg {}: closing the replicas failed: {}", Integer.toUnsignedString(group.cgId()),
                        e.toString());
            }
        }
        eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        for (DirectoryLock lock : directoryLocks) {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.error("releasing the lock of {} failed: {}", lock.directory(), e.toString());
            }
        }
        LOG.info("target gateway {} stopped", config.receiverId());
    }
}
