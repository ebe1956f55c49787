package io.datamover.gateway.target;

import io.datamover.applier.Applier;
import io.datamover.applier.ApplyException;
import io.datamover.applier.BatchChecks;
import io.datamover.applier.Provisioning;
import io.datamover.applier.RehearsalView;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaSetException;
import io.datamover.applier.ReplicaState;
import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationCheck;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRequest;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consistency group at the target: its replica set, its spool, and the two threads that own them.
 *
 * <p>The <b>spool writer</b> (one thread) owns the receiving side: which source session is attached, the highest
 * seq held durably, and the order of everything a session hands over (attach, batches, detach run as tasks in
 * arrival order, so a new session's resume seq counts every batch an older session left queued). It verifies a
 * batch before anything is stored (seq continuity, body CRC and decompression, entries, disks, ranges, payload
 * CRCs), writes it to the spool with fdatasync, acknowledges DURABLE, and hands it to the applier.
 *
 * <p>The <b>applier</b> ({@link ApplyLoop}, one thread) owns the replica set. Sessions only move bytes on the
 * event loop; neither thread ever runs there.
 *
 * <p>When a storage failure stops the applier, the group tells its {@link StorageFailures} listener, which closes
 * it and opens the group again (a fresh replica set and applier, replaying the spool) after a backoff.
 */
final class ConsistencyGroupTarget {
    private static final Logger LOG = LoggerFactory.getLogger(ConsistencyGroupTarget.class);
    private static final long CLOSE_WAIT_SECONDS = 30;
    /** How much longer than its seq wait a verify request may take before it is refused: the read itself. */
    private static final Duration VERIFY_ANSWER_MARGIN = Duration.ofMinutes(1);

    /**
     * File descriptors a group of {@code disks} disks holds, an upper estimate: per disk its replica image and
     * bitmap; for the group its stamp, undo log, spool files and the source's connection. Measured: 5 per group of
     * two disks without its connection (10 groups on a test gateway); the rest is margin.
     */
    static int descriptors(int disks) {
        return 16 + 4 * disks;
    }

    private final int cgId;
    private final ReplicaSet replicas;
    private final BatchSpool spool;
    private final SpoolBudget budget;
    private final TargetGatewayConfig config;
    private final TargetMetrics metrics;
    private final TargetMetrics.Group meters;
    private final ByteBufAllocator alloc;
    private final ExecutorService writer;
    private final ApplyLoop applyLoop;
    private final Map<Integer, DiskInfo> disks = new LinkedHashMap<>();
    private final ReplicaSetConfig replicaConfig;
    private final StorageFailures storageFailures;
    private final long appliedSeqAtOpen;
    private final GenerationGate generations;
    /** The highest epoch of the source's gateway group admitted for this group, persisted beside the stamp. */
    private final HighestEpoch epochs;
    /** This gateway's licence to write the group, asked before every batch is spooled or applied. */
    private final TenureFence fence;
    private boolean closed;

    /** Written by the spool writer only; read by the applier for APPLIED acks and by status. */
    private volatile SourceSession attached;
    /** Spool writer only: the epoch the attached session's HELLO was admitted under. */
    private long attachedEpoch;
    /** Writer thread only (volatile for status): the highest seq spooled or applied. */
    private volatile long heldSeq;
    /** Set once by the applier when it stops on a refused batch or a storage failure. */
    private volatile ProtocolException applyFailure;
    /** The failure is a storage failure, retried by reopening the group. */
    private volatile boolean retrying;
    private volatile boolean closing;
    /** Set by a failover (any thread): sources are refused, nothing more is spooled. */
    private volatile boolean failingOver;
    /** The highest seq the source was last known to hold (HELLO, heartbeat, batch), -1 before any; any thread. */
    private volatile long sourceSeq = -1;
    /** When the source was last heard of, wall-clock milliseconds of the metrics clock, -1 before. */
    private volatile long sourceHeardAtMillis = -1;
    /** Completed once the applier has applied every batch held when a failover asked: the drain before promoting. */
    private volatile CompletableFuture<Void> drained;

    /** Told when a group's applying stopped on a storage failure (a full disk, an I/O error); any thread. */
    @FunctionalInterface
    interface StorageFailures {
        void stopped(ConsistencyGroupTarget group);
    }

    private ConsistencyGroupTarget(ReplicaSetConfig replicaConfig, ReplicaSet replicas, BatchSpool spool,
            HighestEpoch epochs, TenureFence fence, TargetGatewayConfig config, TargetMetrics metrics,
            ByteBufAllocator alloc, StorageFailures storageFailures, boolean torn) {
        this.cgId = replicaConfig.cgId();
        this.epochs = epochs;
        this.fence = fence;
        this.replicaConfig = replicaConfig;
        this.storageFailures = storageFailures;
        this.appliedSeqAtOpen = replicas.appliedSeq();
        this.replicas = replicas;
        this.spool = spool;
        this.config = config;
        this.metrics = metrics;
        this.alloc = alloc;
        for (DiskInfo d : replicas.disks()) {
            disks.put(d.id(), d);
        }
        this.budget = new SpoolBudget(config.spoolMaxBytes(), config.spoolMaxBatches(), config.receiveQueueMaxBytes(),
                spool.bytes(), spool.batches());
        this.heldSeq = spool.lastSeqOr(replicas.appliedSeq());
        String name = "target-cg-" + Integer.toUnsignedString(cgId);
        this.writer = Executors.newSingleThreadExecutor(r -> new Thread(r, name + "-spool"));
        Applier applier = new Applier(replicas, metrics.registry(), config.undoMaxBytes(), config.undoFull());
        this.applyLoop = new ApplyLoop(this, replicas, applier, spool, config, alloc,
                metrics.registry().config().clock(), torn);
        this.generations = new GenerationGate(cgId, replicas);
        this.meters = metrics.group(cgId, this);
        Thread.ofPlatform().name(name + "-apply").start(applyLoop);
    }

    /**
     * Opens (or creates) the replica set and spool of {@code replicaConfig}'s group and starts applying what the
     * spool holds. Disk I/O: never call on an event loop.
     */
    static ConsistencyGroupTarget open(ReplicaSetConfig replicaConfig, TargetGatewayConfig config,
            TargetMetrics metrics, ByteBufAllocator alloc, StorageFailures storageFailures) throws IOException {
        return open(replicaConfig, config, metrics, alloc, storageFailures, false, TenureFence.ALONE);
    }

    /**
     * As {@link #open(ReplicaSetConfig, TargetGatewayConfig, TargetMetrics, ByteBufAllocator, StorageFailures)};
     * {@code torn}: reopening after a storage failure, the replicas may hold part of the first spooled batch, so
     * they are reported INCONSISTENT until it is applied again. {@code fence}: the tenure of this gateway that may
     * write the group ({@link TenureFence#ALONE} without coordination).
     */
    static ConsistencyGroupTarget open(ReplicaSetConfig replicaConfig, TargetGatewayConfig config,
            TargetMetrics metrics, ByteBufAllocator alloc, StorageFailures storageFailures, boolean torn,
            TenureFence fence) throws IOException {
        String dirName = directoryName(replicaConfig.cgId());
        discardRehearsal(config, replicaConfig.cgId());
        ReplicaSet replicas = ReplicaSet.open(config.replicaDir().resolve(dirName), replicaConfig);
        try {
            BatchSpool spool = BatchSpool.open(config.dataDir().resolve(dirName).resolve("spool"),
                    replicas.appliedSeq(), metrics.registry().config().clock().monotonicTime());
            HighestEpoch epochs = HighestEpoch.open(replicas.directory().resolve(EPOCH_FILE));
            ConsistencyGroupTarget group = new ConsistencyGroupTarget(replicaConfig, replicas, spool, epochs, fence,
                    config, metrics, alloc, storageFailures, torn && spool.batches() > 0);
            LOG.info("cg {}: replicas in {} (pair {}, applied seq {}, states {}, consistent image at seq {}{}), {} "
                    + "spooled batches to apply", Integer.toUnsignedString(replicaConfig.cgId()), replicas.directory(),
                    replicas.pairId(), replicas.appliedSeq(), replicas.states(),
                    replicas.consistentSeq().isPresent() ? replicas.consistentSeq().getAsLong() : "none",
                    replicas.resyncProtected() ? " kept in the undo log during a resync" : "", spool.batches());
            return group;
        } catch (IOException | RuntimeException e) {
            try {
                replicas.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The highest epoch admitted, in the replica set's directory: it goes wherever the replicas go. */
    static final String EPOCH_FILE = "epoch";

    /** The directory name of a group, under both the replica and the data directory. */
    static String directoryName(int cgId) {
        return "cg-" + Integer.toUnsignedString(cgId);
    }

    int cgId() {
        return cgId;
    }

    /** The tenure this opening of the group writes under. */
    TenureFence fence() {
        return fence;
    }

    /** Whether a source's connection is attached and open; any thread. */
    boolean sourceAttached() {
        SourceSession session = attached;
        return session != null && session.isActive();
    }

    /** What the group was opened with: what opens it again. */
    ReplicaSetConfig replicaConfig() {
        return replicaConfig;
    }

    /** True once this opening of the group applied a batch. */
    boolean appliedSinceOpen() {
        return applyLoop.appliedSeq() > appliedSeqAtOpen;
    }

    SpoolBudget budget() {
        return budget;
    }

    long appliedSeq() {
        return applyLoop.appliedSeq();
    }

    ApplyLoop applyLoop() {
        return applyLoop;
    }

    /**
     * Online verify, the replica's side: the digests of {@code request}'s regions, read on the applier's thread between
     * two batches once it applied at least the request's {@code minSeq} (waiting up to {@code seqWait}), with the
     * applied seq they show and whether every replica was UP_TO_DATE; a refusal saying why when they cannot be read.
     */
    CompletableFuture<VerifyAnswer> verify(VerifyRequest request, Duration seqWait) {
        DiskInfo disk = disks.get(request.disk());
        if (disk == null) {
            return CompletableFuture.completedFuture(VerifyAnswer.refusing(request, "no disk "
                    + Integer.toUnsignedString(request.disk()) + " in consistency group "
                    + Integer.toUnsignedString(cgId())));
        }
        long deadline = System.nanoTime() + seqWait.toNanos();
        // The applier checks the deadline when a batch wakes it; the timeout ends the wait when none comes.
        return applyLoop.regionDigests(disk.name(), request.offset(), request.regionBytes(), request.count(),
                        request.minSeq(), deadline)
                .orTimeout(seqWait.toMillis() + VERIFY_ANSWER_MARGIN.toMillis(), TimeUnit.MILLISECONDS)
                .handle((digests, failure) -> failure == null
                        ? VerifyAnswer.digests(request.requestId(), request.cg(), digests.upToDate(), 0,
                                digests.appliedSeq(), digests.span().bytesRead(), digests.span().digests())
                        : VerifyAnswer.refusing(request, refusal(failure, request.minSeq())));
    }

    private static String refusal(Throwable failure, long minSeq) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof TimeoutException) {
            return "the replicas did not apply seq " + minSeq + " in time (replication is behind or stopped)"
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /**
     * Deletes what a rehearsal of group {@code cgId} left when the gateway stopped: a rehearsal outlives no restart
     * (its map of kept regions lived in memory only).
     */
    static void discardRehearsal(TargetGatewayConfig config, int cgId) throws IOException {
        Path rehearsal = rehearsalDirectory(config, cgId);
        if (Files.exists(rehearsal)) {
            RehearsalView.discardLeftovers(rehearsal);
            LOG.warn("cg {}: a rehearsal was running when the gateway stopped: it is ended, its scratch and "
                    + "before-images are deleted (the replicas never held them)", Integer.toUnsignedString(cgId));
        }
    }

    /** Where a rehearsal of group {@code cgId} keeps its scratch and before-images. */
    static Path rehearsalDirectory(TargetGatewayConfig config, int cgId) {
        return config.dataDir().resolve(directoryName(cgId)).resolve("rehearsal");
    }

    ConsistencyGroupStatus status() {
        Map<String, ReplicaState> states = new LinkedHashMap<>();
        applyLoop.states().forEach((id, state) -> states.put(disks.get(id).name(), state));
        ProtocolException failure = applyFailure;
        return new ConsistencyGroupStatus(cgId, replicas.pairId(), appliedSeq(), heldSeq, states, budget.spooledBytes(),
                spool.batches(), attached != null, failure == null ? null : failure.getMessage(),
                applyLoop.consistentSeq(), applyLoop.resyncProtected(), applyLoop.undoLogBytes(),
                generations.refusal(), replicas.generations().current(),
                failingOver ? "failover: step 0/3: applying what is spooled, then promoting" : null);
    }

    /**
     * Attaches {@code session}, whose {@code hello} asked for {@code asked}, once every batch queued before it is
     * settled and the generations agree ({@link GenerationGate}); completes with the resume seq (the highest seq
     * held durably, or where a discard restarts the replicas) and the history to answer with, or with a
     * ProtocolException to send.
     */
    CompletableFuture<GenerationGate.Admitted> attach(SourceSession session, ReplicaSetConfig asked, Hello hello) {
        return onWriter(() -> {
            requireServing();
            fence.check();
            try {
                replicas.requireOwner(asked);
            } catch (ReplicaSetException e) {
                throw refusal(cgId, e);
            }
            sourceHeard(hello.lastSeq());
            if (failingOver) {
                throw failingOverRefusal();
            }
            if (applyLoop.states().containsValue(ReplicaState.PROMOTED)) {
                throw new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group "
                        + Integer.toUnsignedString(cgId) + " has a PROMOTED (failed-over) replica in "
                        + replicas.directory() + ": replication into it has stopped");
            }
            long highestBefore = refuseStaleEpoch(hello.epoch());
            SourceSession other = attached;
            if (other != null && other.isActive()) {
                if (hello.epoch() <= attachedEpoch) {
                    throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "consistency group "
                            + Integer.toUnsignedString(cgId) + " already has a source connected from "
                            + other.remote() + "; one source connection per group");
                }
                supersede(other, hello.epoch());
            }
            provisionThickIfAsked(asked);
            GenerationGate.Admitted admitted = generations.admit(hello, heldSeq, hello.epoch() > highestBefore);
            if (admitted.outcome() == GenerationCheck.Outcome.DISCARD_REPLICA) {
                discardAfter(admitted.resumeSeq(), admitted.generations(), true,
                        "resync --discard replica at the source");
            } else if (admitted.outcome() == GenerationCheck.Outcome.TAKEOVER) {
                takeOver(admitted.resumeSeq(), admitted.generations(), hello.epoch());
            } else {
                beginWrittenEpoch();
            }
            // Persisted only now: a crash before a takeover's discard is done leaves the epoch higher than the one
            // stored, so the rerun is a takeover again.
            admitEpoch(hello.epoch());
            attached = session;
            attachedEpoch = hello.epoch();
            return admitted;
        });
    }

    /**
     * On the spool writer: refuses a source acting under an epoch below the highest admitted (a deposed leader of the
     * source site's gateway group), nothing changed; returns that highest.
     */
    private long refuseStaleEpoch(long epoch) throws ProtocolException {
        long highest = epochs.highest();
        if (epoch < highest) {
            throw staleEpoch(epoch);
        }
        return highest;
    }

    /** On the spool writer: a higher epoch than any admitted is persisted before the HELLO is answered. */
    private void admitEpoch(long epoch) throws ProtocolException {
        boolean admitted;
        try {
            admitted = epochs.admit(epoch);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "consistency group "
                    + Integer.toUnsignedString(cgId) + " cannot persist epoch " + epoch + ": " + e);
        }
        if (!admitted) {
            throw staleEpoch(epoch);
        }
    }

    private ProtocolException staleEpoch(long epoch) {
        return new ProtocolException(ErrorCode.STALE_EPOCH, "consistency group " + Integer.toUnsignedString(cgId)
                + ": epoch " + epoch + " is below epoch " + epochs.highest() + " already admitted; another "
                + "gateway of the source site leads the group");
    }

    /**
     * On the spool writer: the attached source's leadership ended ({@code epoch} is higher than its own). It is closed
     * and none of its batches is spooled or acknowledged from now on ({@link #spoolBatch} serves the attached only).
     */
    private void supersede(SourceSession older, long epoch) {
        LOG.warn("cg {}: a source under epoch {} takes over from {} (epoch {}): closing the older connection",
                Integer.toUnsignedString(cgId), epoch, older.remote(), attachedEpoch);
        older.fail(new ProtocolException(ErrorCode.STALE_EPOCH, "consistency group " + Integer.toUnsignedString(cgId)
                + " was taken over under epoch " + epoch + "; this connection's epoch " + attachedEpoch
                + " is superseded"));
        attached = null;
    }

    /** The highest epoch admitted for this group (0: never coordinated). */
    long highestEpoch() {
        return epochs.highest();
    }

    /**
     * The refusal a source gets when the replica set of group {@code cgId} is not what it asks for. A set of another
     * pair is named to the source without its pair (and without the local path); this side's log gets both.
     */
    static ProtocolException refusal(int cgId, ReplicaSetException e) {
        if (e.reason() == ReplicaSetException.Reason.WRONG_PAIR) {
            return new ProtocolException(ErrorCode.WRONG_PAIR, "consistency group " + Integer.toUnsignedString(cgId)
                    + " is held here for another pair", e.getMessage() + " (check --replica-dir and the pair id of "
                    + "both gateways)");
        }
        return new ProtocolException(e.reason().errorCode(), e.getMessage());
    }

    /**
     * On the spool writer, as a source is accepted: what it writes from now on is told apart from what came before,
     * so a discard back to here (this connection was a stranger's, or its source loses what it sends) resyncs only
     * that. At the held seq: every batch spooled or applied so far is at or below it.
     */
    private void beginWrittenEpoch() throws ProtocolException {
        try {
            replicas.beginWrittenEpoch(heldSeq);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "consistency group "
                    + Integer.toUnsignedString(cgId) + " cannot record where this source's writes begin: " + e);
        }
    }

    /**
     * On the spool writer: the replicas give up what they hold after {@code seq}, waiting for the applier; {@code
     * keepImage} for an operator's discard (its image recoverable until the resync ends), not for a takeover (the
     * new leader resyncs what the replicas already hold in the same history).
     */
    private void discardAfter(long seq, GenerationHistory history, boolean keepImage, String why)
            throws ProtocolException {
        ResyncRegions written = awaitApplier(applyLoop.discardAfter(seq, history, keepImage),
                "discard the replicas after seq " + seq);
        heldSeq = seq;
        LOG.warn("cg {}: the replicas gave up what they held after seq {} ({}): "
                + "INCONSISTENT until the resync of what they were written in after it ends: {}",
                Integer.toUnsignedString(cgId), seq, why, written.everything() ? "not known, the whole disks"
                        : written.bytes() + " bytes in " + written.ranges().size() + " ranges");
    }

    /**
     * On the spool writer: a new leader of the source site's gateway group, under {@code epoch}, takes the group over.
     * The replicas keep their image (the old leader's batches spooled here are applied first) and continue after
     * {@code seq} in the new leader's history; its tap resyncs what they had not applied, protected by the undo log as
     * any resync of an UP_TO_DATE disk.
     */
    private void takeOver(long seq, GenerationHistory history, long epoch) throws ProtocolException {
        long reached = awaitApplier(applyLoop.takeOver(seq, history), "take the replicas over for a new leader");
        heldSeq = seq;
        LOG.warn("cg {}: a new leader of the source site's gateway group, under epoch {}, takes the group over: the "
                + "replicas keep their image (the old leader's batches applied up to seq {}) and continue after seq "
                + "{} of its history {}; states {}", Integer.toUnsignedString(cgId), epoch, reached, seq, history,
                applyLoop.states());
    }

    /**
     * On the spool writer: a source asks for thick replicas (its disks are on NFS) and the set is thin: the applier
     * allocates every image before the source is accepted.
     */
    private void provisionThickIfAsked(ReplicaSetConfig asked) throws ProtocolException {
        if (asked.provisioning() != Provisioning.THICK || replicas.provisioning() == Provisioning.THICK) {
            return;
        }
        LOG.info("cg {}: the source asks for thick replicas (its disks are on storage that is not thin-aware): "
                + "allocating every image in {}", Integer.toUnsignedString(cgId), replicas.directory());
        awaitApplier(applyLoop.provisionThick(), "allocate the thick replicas");
    }

    /** Waits for a command of the applier's thread; a failure becomes the refusal the source gets. */
    private <T> T awaitApplier(CompletableFuture<T> command, String what) throws ProtocolException {
        try {
            return command.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "consistency group "
                    + Integer.toUnsignedString(cgId) + " cannot " + what + ": " + e.getCause());
        } catch (TimeoutException e) {
            throw new ProtocolException(ErrorCode.INTERNAL, "consistency group " + Integer.toUnsignedString(cgId)
                    + ": the applier did not " + what + " in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.SHUTTING_DOWN, "the target gateway is stopping");
        }
    }

    /** What the resync after a discard of the replicas' data must cover, until it ends; null when none is owed. */
    ResyncRegions pendingDiscard() {
        return replicas.pendingDiscard().orElse(null);
    }

    /** Why the latest source was refused as DIVERGED or UNRELATED, for status; null when it was not. */
    String generationRefusal() {
        return generations.refusal();
    }

    /** The session is gone; batches it left queued are dropped (the next session resumes after what is held). */
    void detach(SourceSession session) {
        onWriter(() -> {
            if (attached == session) {
                attached = null;
            }
            return null;
        });
    }

    /**
     * Takes ownership of {@code batch}, received on {@code session}'s event loop, for the spool writer to verify,
     * spool and acknowledge. Returns false when the budget is now full: the session stops reading.
     */
    boolean receive(SourceSession session, Batch batch) {
        CrashPoint.reached(CrashPoint.Point.TARGET_BATCH_RECEIVED);
        long size = batch.body().readableBytes();
        budget.queued(size);
        try {
            writer.execute(() -> spoolBatch(session, batch, size));
        } catch (RejectedExecutionException e) {
            budget.dequeued(size);
            batch.release();
        }
        if (budget.full()) {
            meters.readPauses.increment();
            return false;
        }
        return true;
    }

    /** Runs on the spool writer. */
    private void spoolBatch(SourceSession session, Batch batch, long queuedBytes) {
        boolean spooled = false;
        try {
            if (closing || failingOver || attached != session || session.failed()) {
                return;
            }
            sourceHeard(batch.lastSeq());
            fence.check();
            if (batch.lastSeq() <= heldSeq) {
                meters.duplicates.increment();
                session.send(new Ack(cgId, batch.lastSeq(), AckScope.DURABLE));
                return;
            }
            verify(batch);
            BatchSpool.Entry entry = spool.write(batch, metrics.registry().config().clock().monotonicTime());
            budget.spooled(queuedBytes, entry.sizeBytes());
            spooled = true;
            heldSeq = batch.lastSeq();
            meters.batchesReceived.increment();
            meters.bytesReceived.increment(queuedBytes);
            CrashPoint.reached(CrashPoint.Point.TARGET_BATCH_SPOOLED);
            // DURABLE goes out before the applier can see the batch, so it always precedes APPLIED.
            session.send(new Ack(cgId, batch.lastSeq(), AckScope.DURABLE));
            spool.publish(entry);
        } catch (ProtocolException e) {
            session.fail(e);
        } catch (IOException e) {
            LOG.error("cg {}: cannot spool batch [{}, {}]: {}", Integer.toUnsignedString(cgId), batch.firstSeq(),
                    batch.lastSeq(), e.toString());
            session.fail(new ProtocolException(ErrorCode.STORAGE_FAILURE, "target cannot spool batch ["
                    + batch.firstSeq() + ", " + batch.lastSeq() + "]: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("cg {}: spooling batch [{}, {}] failed", Integer.toUnsignedString(cgId), batch.firstSeq(),
                    batch.lastSeq(), e);
            session.fail(new ProtocolException(ErrorCode.INTERNAL, "target failed on batch [" + batch.firstSeq()
                    + ", " + batch.lastSeq() + "]: " + e));
        } finally {
            batch.release();
            if (!spooled) {
                budget.dequeued(queuedBytes);
            }
            // The in-memory queue shrank either way: reading may resume if it paused for the queue.
            session.resumeIfRoom();
        }
    }

    /** Everything a batch must pass before it is stored: nothing of a refused batch reaches the spool. */
    private void verify(Batch batch) throws ProtocolException {
        if (batch.cg() != cgId) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "batch [" + batch.firstSeq() + ", " + batch.lastSeq()
                    + "] is for consistency group " + Integer.toUnsignedString(batch.cg()) + " on the connection of "
                    + Integer.toUnsignedString(cgId));
        }
        if (batch.firstSeq() != heldSeq + 1) {
            throw new ProtocolException(ErrorCode.SEQ_GAP, "batch [" + batch.firstSeq() + ", " + batch.lastSeq()
                    + "] does not follow seq " + heldSeq + ", the highest the target holds for consistency group "
                    + Integer.toUnsignedString(cgId));
        }
        List<BlockWrite> entries = BatchBodies.open(batch, config.frameLimits(), alloc);
        try {
            BatchChecks.check(batch.firstSeq(), batch.lastSeq(), entries, disks::get);
        } catch (ApplyException e) {
            throw new ProtocolException(e.reason().errorCode(), e.getMessage());
        } finally {
            entries.forEach(BlockWrite::release);
        }
    }

    /** The source said it holds {@code seq} (its HELLO, a heartbeat, a batch): what a failover reports lost. */
    void sourceHeard(long seq) {
        sourceSeq = Math.max(sourceSeq, seq);
        sourceHeardAtMillis = metrics.registry().config().clock().wallTime();
    }

    /**
     * The first step of a failover through the running gateway, on the spool writer: refused, with the reason,
     * while a source is attached and {@code force} is not given; else the attached source is closed, later ones
     * refused, nothing more spooled. Completes with the seq held then, which {@link #awaitDrained} waits for.
     */
    CompletableFuture<Long> stopForFailover(boolean force, long plannedSeq) {
        return onWriter(() -> {
            SourceSession session = attached;
            if (plannedSeq != TargetGateway.NOT_PLANNED && (heldSeq != plannedSeq
                    || applyLoop.appliedSeq() != plannedSeq)) {
                throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "not at RPO 0 for a planned migration: the "
                        + "replicas hold seq " + heldSeq + " and applied seq " + applyLoop.appliedSeq()
                        + ", the source's writes stopped at seq " + plannedSeq + "; nothing changed");
            }
            if (!force && plannedSeq == TargetGateway.NOT_PLANNED && session != null && session.isActive()) {
                throw new ProtocolException(ErrorCode.ALREADY_CONNECTED, "the source gateway " + session.remote()
                        + " is connected and replicating consistency group " + Integer.toUnsignedString(cgId)
                        + ": the source site answers and is primary. A failover now would split the pair (both "
                        + "sites writing); to move the VM while both sites run, use a planned migration (datamover "
                        + "migrate, RPO 0); to fail over anyway (the source is to be treated as lost), add --force");
            }
            failingOver = true;
            if (session != null) {
                session.fail(failingOverRefusal());
                attached = null;
            }
            long held = heldSeq;
            CompletableFuture<Void> done = new CompletableFuture<>();
            drained = done;
            if (applyLoop.appliedSeq() >= held || applyFailure != null) {
                done.complete(null);
            }
            return held;
        });
    }

    /** Waits until the batches held when the failover stopped the group are applied, or applying stopped. */
    boolean awaitDrained(long timeoutMillis) throws InterruptedException {
        CompletableFuture<Void> done = drained;
        try {
            done.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** What this target knows of the source for a failover's report, read once applying has stopped. */
    Failover.SourceKnowledge sourceKnowledge() {
        return new Failover.SourceKnowledge(sourceSeq, sourceHeardAtMillis, applyLoop.newestAppliedWriteMicros(),
                applyLoop.appliedSeq());
    }

    private ProtocolException failingOverRefusal() {
        return new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + Integer.toUnsignedString(cgId)
                + " is being failed over at the target: replication into it has stopped");
    }

    /** Called by the applier once a batch is applied and its seq recorded. */
    void applied(BatchSpool.Entry entry, long nowNanos) {
        CompletableFuture<Void> done = drained;
        if (done != null && entry.lastSeq() >= heldSeq) {
            done.complete(null);
        }
        meters.applyLag.record(nowNanos - entry.spooledAtNanos(), TimeUnit.NANOSECONDS);
        SourceSession session = attached;
        if (session != null) {
            session.send(new Ack(cgId, entry.lastSeq(), AckScope.APPLIED));
        }
    }

    /** Called by the applier once a spooled batch is deleted: the session may read again. */
    void unspooled(BatchSpool.Entry entry) {
        budget.unspooled(entry.sizeBytes());
        SourceSession session = attached;
        if (session != null) {
            session.resumeIfRoom();
        }
    }

    /**
     * Called by the applier when it stops: the source is told, and later sessions are refused; a storage failure
     * ({@code storage}) is retried by the listener, anything else waits for an operator.
     */
    void applyStopped(ProtocolException failure, boolean storage) {
        meters.applyFailures.increment();
        retrying = storage;
        applyFailure = failure;
        CompletableFuture<Void> done = drained;
        if (done != null) {
            done.complete(null); // nothing more will be applied: the failover takes what is
        }
        SourceSession session = attached;
        if (session != null) {
            session.fail(failure);
        }
        if (storage) {
            storageFailures.stopped(this);
        }
    }

    private void requireServing() throws ProtocolException {
        ProtocolException failure = applyFailure;
        if (failure != null) {
            throw new ProtocolException(failure.code(), "consistency group " + Integer.toUnsignedString(cgId)
                    + (retrying ? " stopped applying on a storage failure and retries on its own: "
                            : " stopped applying and needs an operator: ") + failure.getMessage());
        }
        if (closing) {
            throw new ProtocolException(ErrorCode.SHUTTING_DOWN, "the target gateway is stopping");
        }
    }

    /** As {@link #close()}, first sending the attached source, if any, away with {@code reason}. */
    void close(ProtocolException reason) throws IOException, InterruptedException {
        try {
            onWriter(() -> {
                SourceSession session = attached;
                if (session != null) {
                    session.fail(reason);
                    attached = null;
                }
                return null;
            }).get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cg {}: the source was not sent away before closing: {}", Integer.toUnsignedString(cgId),
                    e.toString());
        }
        close();
    }

    /** Stops receiving, lets the applier finish the batch it is applying, closes the replicas. Idempotent. */
    synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        meters.close();
        writer.shutdown();
        if (!writer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
            LOG.warn("cg {}: spool writer did not stop within {} s", Integer.toUnsignedString(cgId), CLOSE_WAIT_SECONDS);
        }
        applyLoop.stop();
        spool.close();
        if (!applyLoop.awaitStopped(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS))) {
            LOG.warn("cg {}: applier did not stop within {} s; replicas left open", Integer.toUnsignedString(cgId),
                    CLOSE_WAIT_SECONDS);
            return;
        }
        replicas.close();
    }

    /** A task on the spool writer; fails with the ProtocolException it throws. */
    private <T> CompletableFuture<T> onWriter(WriterTask<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    result.complete(task.run());
                } catch (ProtocolException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ProtocolException(ErrorCode.SHUTTING_DOWN,
                    "the target gateway is stopping"));
        }
        return result;
    }

    @FunctionalInterface
    private interface WriterTask<T> {
        T run() throws ProtocolException;
    }
}
