package io.datamover.gateway.source;

import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DirectoryRoom;
import io.datamover.disk.GroupCapacity;
import io.datamover.disk.OpenFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.gateway.source.receiver.JournalWriter;
import io.datamover.gateway.source.receiver.TapLink;
import io.datamover.gateway.source.receiver.TapSessionHandler;
import io.datamover.gateway.source.ship.DiscardReports;
import io.datamover.gateway.source.ship.ShipperStatus;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Feature;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.netty.ReconnectBackoff;
import io.datamover.protocol.tls.HelloAuthorization;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consistency groups of a source gateway: opens the ones found in the data directory at start (so their
 * journals ship before their taps are back), creates a group at its tap's first contact, and lets one tap at a
 * time attach to each. Opening and creating touch the disk, so they run off the event loop, on a small pool
 * ({@link GroupCapacity#OPENING_THREADS}): many taps connecting at once have their groups opened side by side, each
 * group by one thread at a time ({@link GroupCapacity#openLock}).
 *
 * <p>A group one of whose threads (the journal's owner, the shipper) stopped on an unexpected failure is closed
 * and opened again by an opening thread (under its open lock) after a backoff (1 s, doubling up to 30 s; back
 * to 1 s once a group ran for {@link #STABLE_MS} before failing), as an operator's restart would; meanwhile status
 * shows the failure and its tap is refused with STORAGE_FAILURE, and goes to bitmap mode.
 */
final class GroupRegistry implements TapSessionHandler.Groups, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupRegistry.class);
    private static final long RESTART_FIRST_MS = 1_000;
    private static final long RESTART_MAX_MS = 30_000;
    /** A group that ran this long before it failed is reopened after the first backoff again. */
    static final long STABLE_MS = 60_000;

    private final SourceGatewayConfig config;
    private final MeterRegistry registry;
    private final InstantSource clock;
    private final Map<Integer, SourceGroup> groups = new ConcurrentHashMap<>();
    private final Map<Integer, TapLink> attachedTaps = new ConcurrentHashMap<>();
    private final VerifyExchange verifyExchange = new VerifyExchange();
    /** When each group without a tap lost it (or was opened without one): the floor of its RPO. */
    private final Map<Integer, Long> tapAbsentSinceMicros = new ConcurrentHashMap<>();
    /** Looks up and opens the groups of taps' HELLOs, and reopens failed groups. */
    private final ExecutorService openers = Executors.newFixedThreadPool(GroupCapacity.OPENING_THREADS,
            Thread.ofPlatform().name("source-gateway-open-", 0).daemon(true).factory());
    /** Times the reopening of failed groups; the reopening itself runs on an opening thread. */
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("source-gateway-restart").daemon(true).factory());
    /** The backoff of each group's reopenings after a failure, by cg id. */
    private final Map<Integer, ReconnectBackoff> restartBackoffs = new ConcurrentHashMap<>();
    /** Groups with a reopening scheduled or running, by cg id. */
    private final Set<Integer> restarting = ConcurrentHashMap.newKeySet();
    /** Why the latest reopening of a group failed, by cg id; for status. */
    private final Map<Integer, String> reopenErrors = new ConcurrentHashMap<>();
    private final Map<Integer, Long> openedAtMillis = new ConcurrentHashMap<>();
    /** The data directory's one owner, from {@link #openExisting} to {@link #close}. */
    private DirectoryLock dataDirLock;
    private final GatesStarter startGates;
    /** Started under the data directory's lock by {@link #openExisting}; closed after the groups. */
    private volatile GroupGates gates = GroupGates.ALWAYS_OPEN;

    /** Starts the groups' gates; may fail like a start-up step. */
    @FunctionalInterface
    interface GatesStarter {
        GroupGates start() throws IOException;
    }

    private final GroupCapacity capacity;

    GroupRegistry(SourceGatewayConfig config, MeterRegistry registry, InstantSource clock) throws IOException {
        this(config, registry, clock, () -> GroupGates.ALWAYS_OPEN);
    }

    /** @param startGates starts the groups' shipping gates (coordination), once the data directory is locked */
    GroupRegistry(SourceGatewayConfig config, MeterRegistry registry, InstantSource clock, GatesStarter startGates)
            throws IOException {
        this.startGates = startGates;
        this.config = config;
        this.registry = registry;
        this.clock = clock;
        this.capacity = new GroupCapacity(config.maxGroups(), OpenFiles.ofThisProcess());
    }

    /** Locks the data directory, then opens every group found under it. */
    void openExisting() throws IOException {
        PrivateFiles.createDirectories(config.dataDir());
        dataDirLock = DirectoryLock.acquire(config.dataDir(), "the source gateway");
        gates = startGates.start();
        List<Path> directories;
        try (Stream<Path> list = Files.list(config.dataDir())) {
            directories = list.filter(p -> p.getFileName().toString().startsWith(SourceGroup.DIRECTORY_PREFIX))
                    .sorted().toList();
        }
        for (Path directory : directories) {
            Optional<CgIdentity> identity = CgIdentityFile.read(directory);
            if (identity.isEmpty()) {
                LOG.warn("{} has no {}: not a consistency group, ignored", directory, CgIdentityFile.FILE_NAME);
                continue;
            }
            SourceGroup group = open(directory, identity.get());
            groups.put(identity.get().cgId(), group);
            tapAbsentSinceMicros.put(identity.get().cgId(), nowMicros());
            LOG.info("cg {} ({}) of pair {}: journal open, {} bytes retained", identity.get().cgLabel(),
                    identity.get().cgName(), identity.get().pairId(), group.writer().journal().retainedBytes());
        }
        LOG.info("{} groups open; {}", groups.size(), capacity.describe(SourceGroup.DESCRIPTORS));
    }

    @Override
    public CompletableFuture<JournalWriter> attachTap(Hello hello, HelloAuthorization.Grant grant, TapLink tap) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                SourceGroup group = groupFor(hello, grant);
                TapLink other = attachedTaps.putIfAbsent(hello.cgId(), tap);
                if (other != null) {
                    throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "cg " + group.identity().cgLabel()
                            + " is already served by another tap connection; one tap per consistency group");
                }
                OptionalLong epoch = gates.awaitLeading(group.identity()) ? gates.leadingEpoch(group.identity())
                        : OptionalLong.empty();
                if (epoch.isEmpty()) {
                    // Checked with the tap in attachedTaps: a tenure that ends later sends it on (sendTapToTheLeader)
                    attachedTaps.remove(hello.cgId(), tap);
                    throw notLeader(group.identity(), Feature.REDIRECT.in(hello.features())
                            ? gates.leaderElsewhere(group.identity()) : "");
                }
                tap.leadsUnder(epoch.getAsLong());
                group.shipper().beginTenure();
                ResyncRegions regions = group.tellTapToResync();
                if (regions != null) {
                    attachedTaps.remove(hello.cgId(), tap);
                    tap.resyncRegions(regions); // on the tap's event loop, before the refusal below
                    throw resyncRequired(group);
                }
                tapAbsentSinceMicros.remove(hello.cgId());
                tap.acknowledgeApplied(group.shipper().appliedSeq());
                return group.writer();
            } catch (ProtocolException | IOException e) {
                throw new CompletionException(e);
            }
        }, openers);
    }

    private SourceGroup groupFor(Hello hello, HelloAuthorization.Grant grant) throws ProtocolException, IOException {
        if (config.pairId() != null && !config.pairId().equals(hello.pairId())) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "pair '" + hello.pairId() + "' of tap "
                    + hello.senderId() + " is not served by this gateway", "this gateway serves pair "
                    + config.pairId());
        }
        synchronized (capacity.openLock(hello.cgId())) {
            SourceGroup group = groups.get(hello.cgId());
            if (group != null) {
                grant.requireGroupPair(hello.cgId(), group.identity().pairId());
                if (group.identity().grownIn(hello)) {
                    return grow(group, hello);
                }
                group.identity().requireSameAs(hello);
                return group;
            }
            return create(hello);
        }
    }

    /**
     * Under the group's open lock: the group's tap declares larger disks (grown while the tap was stopped). The grown
     * identity is stored first, durably, then the group is opened again with it, so its shipper's next HELLO has the
     * target grow the replicas before anything past an old end is shipped: the journal holds nothing past it yet,
     * such writes come only from this tap's session, after its HELLO_ACK. A crash in between leaves the stored
     * identity, which the next start opens; the tap's next HELLO then finds nothing to grow.
     */
    private SourceGroup grow(SourceGroup group, Hello hello) throws ProtocolException, IOException {
        CgIdentity grown = group.identity().withDisks(hello.disks());
        if (attachedTaps.containsKey(hello.cgId())) {
            throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "cg " + grown.cgLabel() + " is still served by"
                    + " another tap connection; its disks grow once that one is gone");
        }
        Path directory = SourceGroup.directory(config.dataDir(), grown);
        CgIdentityFile.write(directory, grown);
        LOG.info("cg {} ({}): tap {} declares grown disks: {} -> {}; the group is opened again with them", grown
                .cgLabel(), grown.cgName(), hello.senderId(), group.identity().disks(), grown.disks());
        group.close();
        try {
            SourceGroup fresh = open(directory, grown);
            groups.put(grown.cgId(), fresh);
            return fresh;
        } catch (IOException | RuntimeException e) {
            failed(grown); // reopened after a backoff, from the stored identity
            throw e;
        }
    }

    /** Under the group's open lock: opens the new group of {@code hello}, if it fits. */
    private SourceGroup create(Hello hello) throws ProtocolException, IOException {
        CgIdentity identity = CgIdentity.of(hello);
        String refusal = capacity.admit(groups.size(), SourceGroup.DESCRIPTORS);
        if (refusal != null) {
            throw new ProtocolException(ErrorCode.TOO_MANY_GROUPS, "cg " + identity.cgLabel() + " of pair "
                    + identity.pairId() + " is new and refused: " + refusal);
        }
        SourceGroup group;
        try {
            group = open(SourceGroup.directory(config.dataDir(), identity), identity);
        } catch (IOException | RuntimeException e) {
            capacity.opened(() -> { });
            throw e;
        }
        capacity.opened(() -> groups.put(hello.cgId(), group));
        LOG.info("cg {} ({}) of pair {}: first contact from tap {}, protecting disks {}", identity.cgLabel(),
                identity.cgName(), identity.pairId(), hello.senderId(), identity.disks());
        return group;
    }

    private SourceGroup open(Path directory, CgIdentity identity) throws IOException {
        SourceGroup group = SourceGroup.open(directory, identity, config, registry, clock, () -> failed(identity),
                gates.gateFor(identity, () -> sendTapToTheLeader(identity)));
        group.shipper().appliedTo(seq -> {
            TapLink tap = attachedTaps.get(identity.cgId());
            if (tap != null) {
                tap.acknowledgeApplied(seq);
            }
        });
        group.shipper().reportsTo(new DiscardReports() {
            @Override
            public boolean awaitingReport() {
                return group.awaitingTargetReport();
            }

            @Override
            public void reported(ResyncRegions regions) throws IOException {
                if (group.targetReported(regions)) {
                    tellAttachedTap(group);
                }
            }
        });
        group.shipper().verifyAnswersTo(answer -> verifyExchange.answered(VerifyExchange.Peer.TARGET,
                identity.cgId(), answer));
        openedAtMillis.put(identity.cgId(), clock.millis());
        return group;
    }

    /** A thread of the group stopped on an unexpected failure (called on it): reopen the group after a backoff. */
    private void failed(CgIdentity identity) {
        int cgId = identity.cgId();
        if (!restarting.add(cgId)) {
            return; // its other thread failed first
        }
        ReconnectBackoff backoff = restartBackoffs.computeIfAbsent(cgId,
                id -> new ReconnectBackoff(RESTART_FIRST_MS, RESTART_MAX_MS, 0, new Random()));
        if (clock.millis() - openedAtMillis.getOrDefault(cgId, 0L) >= STABLE_MS) {
            backoff.reset();
        }
        SourceGroup group = groups.get(cgId);
        scheduleReopen(identity, backoff, group == null ? "a thread failed" : group.failure());
    }

    private void scheduleReopen(CgIdentity identity, ReconnectBackoff backoff, String why) {
        long delayMs = backoff.nextDelayMs();
        LOG.error("cg {}: {}; the group is closed and opened again in {} ms", identity.cgLabel(), why, delayMs);
        restarts.schedule(() -> openers.execute(() -> reopen(identity, backoff)), delayMs, TimeUnit.MILLISECONDS);
    }

    /** On an opening thread: closes the failed group and opens it from its directory, as a restart would. */
    private void reopen(CgIdentity identity, ReconnectBackoff backoff) {
        synchronized (capacity.openLock(identity.cgId())) {
            reopenLocked(identity, backoff);
        }
    }

    private void reopenLocked(CgIdentity identity, ReconnectBackoff backoff) {
        int cgId = identity.cgId();
        SourceGroup failed = groups.get(cgId);
        if (failed != null) {
            failed.close();
        }
        try {
            SourceGroup fresh = open(SourceGroup.directory(config.dataDir(), identity), identity);
            groups.put(cgId, fresh);
            reopenErrors.remove(cgId);
            restarting.remove(cgId);
            LOG.info("cg {} ({}): opened again after a failure, journal holds up to seq {}", identity.cgLabel(),
                    identity.cgName(), fresh.writer().journal().durableSeq());
        } catch (IOException | RuntimeException e) {
            reopenErrors.put(cgId, "cannot open the group again: " + e.getMessage());
            scheduleReopen(identity, backoff, reopenErrors.get(cgId));
        }
    }

    @Override
    public void tapDetached(Hello hello, TapLink tap) {
        if (attachedTaps.remove(hello.cgId(), tap)) {
            tapAbsentSinceMicros.put(hello.cgId(), nowMicros());
            verifyExchange.disconnected(VerifyExchange.Peer.TAP, hello.cgId());
        }
    }

    @Override
    public void verifyAnswered(Hello hello, VerifyAnswer answer) {
        verifyExchange.answered(VerifyExchange.Peer.TAP, hello.cgId(), answer);
    }

    /**
     * An online verify of group {@code cgId} through its tap's link and its link to the target.
     *
     * @throws NoSuchElementException when this gateway holds no such group now
     */
    VerifyLink verifyLink(int cgId) {
        SourceGroup group = groups.get(cgId);
        if (group == null) {
            throw new NoSuchElementException("this source gateway holds no consistency group "
                    + Integer.toUnsignedString(cgId) + " now");
        }
        return new VerifyLink(group.identity(), () -> attachedTaps.get(cgId), group.shipper(), verifyExchange);
    }

    @Override
    public void tapError(Hello hello, String error) {
        SourceGroup group = groups.get(hello.cgId());
        if (group != null) {
            group.tapError(error);
        }
    }

    @Override
    public void syncMarker(Hello hello, int disk, RecordKind kind) {
        SourceGroup group = groups.get(hello.cgId());
        if (group != null) {
            group.syncMarker(disk, kind == RecordKind.SYNC_BEGIN);
        }
    }

    List<SourceGroup> groups() {
        return new ArrayList<>(groups.values());
    }

    /**
     * {@code datamover resync --discard replica} for group {@code cgId} ({@link SourceGroup#discardReplica}); once the
     * target reports what it was written in, the tap is told to resync that: at once if attached, else at its HELLO.
     *
     * @throws NoSuchElementException when this gateway holds no such group
     */
    String discardReplica(int cgId) throws IOException {
        SourceGroup group = groups.get(cgId);
        if (group == null) {
            throw new NoSuchElementException("this source gateway holds no consistency group "
                    + Integer.toUnsignedString(cgId));
        }
        return group.discardReplica(); // the tap is told once the target reports what to resync
    }

    /**
     * Whether this gateway has room to take group {@code cgId} on as the source of reverse replication (a planned
     * migration's check, docs/operations.md): it holds no such group (open or in its data directory), one more group
     * fits, and the data directory's file system has room for the group's journal. Null when it has; else why not.
     */
    String reverseRoom(int cgId) {
        String cg = Integer.toUnsignedString(cgId);
        if (groups.containsKey(cgId) || Files.exists(config.dataDir().resolve(SourceGroup.DIRECTORY_PREFIX + cg))) {
            return "it holds consistency group " + cg + " already";
        }
        String full = capacity.refusal(groups.size(), SourceGroup.DESCRIPTORS);
        return full != null ? full : DirectoryRoom.refusal(config.dataDir(), config.journalMaxBytes(),
                "a group's journal (--journal-max)");
    }

    /**
     * Reverse replication's step at the recovery site through this running gateway (docs/operations.md, "Reverse
     * replication"): seeds group {@code cgId} in the data directory this gateway holds, continuing the promoted
     * history ({@link ReverseSourceGroup#seedHeld}, its steps and crash points), then opens it as a start would: its
     * shipper connects to the target and has the replica's regions reported before the recovery tap comes. Under the
     * group's open lock; a rerun with the group open changes nothing.
     *
     * @throws IllegalStateException refused, nothing changed: another pair or history, no room for one more group
     */
    String seedReverse(String pairId, int cgId, List<DiskInfo> disks, GenerationHistory promoted, long promotedSeq)
            throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        if (config.pairId() != null && !config.pairId().equals(pairId)) {
            throw new IllegalStateException("consistency group " + cg + " of pair " + pairId + ": this gateway serves "
                    + "pair " + config.pairId());
        }
        synchronized (capacity.openLock(cgId)) {
            if (groups.containsKey(cgId)) {
                return ReverseSourceGroup.seedHeld(config.dataDir(), pairId, cgId, disks, promoted, promotedSeq);
            }
            String refusal = capacity.admit(groups.size(), SourceGroup.DESCRIPTORS);
            if (refusal != null) {
                throw new IllegalStateException("consistency group " + cg + " cannot be opened here: " + refusal);
            }
            SourceGroup group;
            String seeded;
            try {
                seeded = ReverseSourceGroup.seedHeld(config.dataDir(), pairId, cgId, disks, promoted, promotedSeq);
                Path directory = config.dataDir().resolve(SourceGroup.DIRECTORY_PREFIX + cg);
                group = open(directory, CgIdentityFile.read(directory).orElseThrow(() -> new IOException(directory
                        + " has no " + CgIdentityFile.FILE_NAME + " after seeding it")));
            } catch (IOException | RuntimeException e) {
                capacity.opened(() -> { });
                throw e;
            }
            capacity.opened(() -> {
                groups.put(cgId, group);
                tapAbsentSinceMicros.put(cgId, nowMicros());
            });
            LOG.info("cg {}: reverse replication: seeded through the admin port and open, journal after seq {}", cg,
                    promotedSeq);
            return seeded;
        }
    }

    /**
     * This gateway stopped leading the group (another took it over, or it demoted itself): its tap, if attached, is
     * refused with NOT_LEADER, so it moves on to the gateway that leads now rather than journal here unshipped.
     */
    private void sendTapToTheLeader(CgIdentity identity) {
        TapLink tap = attachedTaps.get(identity.cgId());
        if (tap != null) {
            LOG.warn("cg {}: this gateway no longer leads the group: its tap is sent on (NOT_LEADER)",
                    identity.cgLabel());
            try {
                tap.refuse(notLeader(identity, "")); // who leads next is not known yet
            } catch (RejectedExecutionException stopping) {
                // The gateway is stopping and its event loops are gone: the tap's connection goes with them.
                LOG.debug("cg {}: the tap's connection is already closing", identity.cgLabel());
            }
        }
    }

    /** NOT_LEADER, naming the leader when {@code leader} (HOST:PORT) is not empty: a redirect. */
    private static ProtocolException notLeader(CgIdentity identity, String leader) {
        return ProtocolException.notLeader("cg " + identity.cgLabel() + ": this gateway does not lead the group in"
                + " its site's gateway group; " + (leader.isEmpty() ? "the tap tries its next gateway"
                        : "its leader is at " + leader), leader);
    }

    /** Tells the tap attached now, if any, to resync what the target reported. */
    private void tellAttachedTap(SourceGroup group) {
        TapLink tap = attachedTaps.get(group.identity().cgId());
        if (tap != null) {
            ResyncRegions regions = group.tellTapToResync();
            if (regions != null) {
                tap.resyncRegions(regions);
                tap.refuse(resyncRequired(group));
            }
        }
    }

    private static ProtocolException resyncRequired(SourceGroup group) {
        return new ProtocolException(ErrorCode.RESYNC_REQUIRED, "cg " + group.identity().cgLabel() + ": the"
                + " replica's data was discarded (datamover resync --discard replica): resync the regions sent");
    }

    /** Every group's status, ordered by cg id; from any thread. */
    /** The groups' gates: this gateway's coordination with its site, for status. */
    GroupGates gates() {
        return gates;
    }

    List<SourceGroupStatus> statuses() {
        long now = nowMicros();
        List<SourceGroupStatus> statuses = new ArrayList<>();
        for (SourceGroup g : groups.values()) {
            int cgId = g.identity().cgId();
            ShipperStatus shipping = g.shipper().status();
            String journalError = Stream.of(g.journalError(), reopenErrors.get(cgId)).filter(e -> e != null)
                    .reduce((a, b) -> a + "; " + b).orElse(null);
            TapLink tap = attachedTaps.get(cgId);
            statuses.add(new SourceGroupStatus(g.identity(), tap != null, tap != null && tap.paused(),
                    g.writer().journal().retainedBytes(), config.journalMaxBytes(), g.disksSyncing(),
                    g.lastTapError(), journalError, shipping, rpoSeconds(cgId, shipping, now)));
        }
        statuses.sort(Comparator.comparingInt(status -> status.identity().cgId()));
        return statuses;
    }


    /** The shipping RPO, or while the group has no tap, at least the time since it went away. */
    private double rpoSeconds(int cgId, ShipperStatus shipping, long nowMicros) {
        Long absentSince = tapAbsentSinceMicros.get(cgId);
        return absentSince == null ? shipping.rpoSeconds()
                : Math.max(shipping.rpoSeconds(), Math.max(0, nowMicros - absentSince) / 1e6);
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    @Override
    public void close() {
        restarts.shutdownNow();
        openers.shutdown();
        awaitOpeners();
        try {
            for (SourceGroup group : groups.values()) {
                group.close();
            }
            groups.clear();
        } finally {
            gates.close();
            releaseDataDir();
        }
    }

    /** Lets the groups being opened finish opening, so that they are closed with the others. */
    private void awaitOpeners() {
        try {
            if (!openers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.error("groups still opening after 30 s; closing the others");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseDataDir() {
        if (dataDirLock != null) {
            try {
                dataDirLock.close();
            } catch (IOException e) {
                LOG.error("releasing the lock of {} failed: {}", config.dataDir(), e.toString());
            }
            dataDirLock = null;
        }
    }
}
