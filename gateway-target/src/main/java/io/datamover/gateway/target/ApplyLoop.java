package io.datamover.gateway.target;

import io.datamover.applier.Applier;
import io.datamover.applier.ApplyException;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.applier.RehearsalRefusedException;
import io.datamover.applier.RehearsalView;
import java.nio.file.Path;
import io.datamover.protocol.Batch;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.netty.buffer.ByteBufAllocator;
import io.micrometer.core.instrument.Clock;
import java.io.IOException;
import io.datamover.protocol.GenerationHistory;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier thread of one consistency group: takes spooled batches strictly in seq order (the spool holds them
 * contiguous from the applied seq on, recovered ones first), applies each whole, then has the group acknowledge
 * APPLIED and deletes it from the spool. Re-applying after a crash is idempotent ({@link Applier}).
 *
 * <p>A batch the applier refuses stops this loop for good with the reason kept for status: the replicas stay at
 * the last applied batch, and nothing retries in a loop; an operator restarts the gateway once the cause is dealt
 * with. A storage failure (a full disk, an I/O error) stops it too, but the group reopens its replica set and
 * replays the spool on its own, with a backoff ({@link TargetGateway}): the batch may be partly written, so its
 * disks are reported INCONSISTENT until then.
 */
final class ApplyLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
    /** How often a waiting applier looks at its stop flag. */
    private static final long POLL_MS = 200;

    private final ConsistencyGroupTarget group;
    private final ReplicaSet replicas;
    private final Applier applier;
    private final BatchSpool spool;
    private final TargetGatewayConfig config;
    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Work other threads hand to this one, run between batches. */
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** This thread's: commands waiting for a later applied seq, run again after the next batch (or poll). */
    private final java.util.List<Runnable> waiting = new java.util.ArrayList<>();
    private volatile boolean stopping;
    /** Published after every batch for readers on other threads (status, metrics, heartbeats). */
    private volatile long appliedSeq;
    private volatile Map<Integer, ReplicaState> states;
    private volatile long consistentSeq;
    private volatile boolean resyncProtected;
    /** Tap time of the newest write of the last batch applied in this run, -1 before one: the image's age. */
    private volatile long newestAppliedWriteMicros = -1;
    /** A storage failure stopped a batch part way: the replicas may hold part of it until it is replayed. */
    private volatile boolean torn;
    /** The applier's rehearsal view, published for status and the view's NBD listener. */
    private volatile RehearsalView rehearsal;

    /** @param torn a storage failure stopped the group's last opening part way through a batch */
    ApplyLoop(ConsistencyGroupTarget group, ReplicaSet replicas, Applier applier, BatchSpool spool,
            TargetGatewayConfig config, ByteBufAllocator alloc, Clock clock, boolean torn) {
        this.torn = torn;
        this.group = group;
        this.replicas = replicas;
        this.applier = applier;
        this.spool = spool;
        this.config = config;
        this.alloc = alloc;
        this.clock = clock;
        publish();
    }

    /** Copies what status and metrics read from the replica set, which only this thread may touch. */
    private void publish() {
        states = replicas.states();
        consistentSeq = replicas.consistentSeq().orElse(-1);
        resyncProtected = replicas.resyncProtected();
        appliedSeq = replicas.appliedSeq();
    }

    /** Applied seq of the last consistent image the replicas can give back, -1 when none. */
    long consistentSeq() {
        // Torn outside a resync: the replicas hold part of a batch, no image to give back until it is replayed.
        return torn && !resyncProtected ? -1 : consistentSeq;
    }

    boolean resyncProtected() {
        return resyncProtected;
    }

    /** Bytes of the undo log; read from any thread. */
    long undoLogBytes() {
        return replicas.undoLogBytes();
    }

    long appliedSeq() {
        return appliedSeq;
    }

    /** Tap time of the newest write the replicas hold, if a batch was applied since the group was opened; else -1. */
    long newestAppliedWriteMicros() {
        return newestAppliedWriteMicros;
    }

    /** Each disk's state; UP_TO_DATE ones show INCONSISTENT while a batch is torn by a storage failure. */
    Map<Integer, ReplicaState> states() {
        Map<Integer, ReplicaState> now = states;
        if (!torn) {
            return now;
        }
        Map<Integer, ReplicaState> shown = new java.util.LinkedHashMap<>(now);
        shown.replaceAll((id, state) -> state == ReplicaState.UP_TO_DATE ? ReplicaState.INCONSISTENT : state);
        return shown;
    }

    /**
     * Has this thread give up what the replicas hold after {@code seq} (a source's {@code resync --discard
     * replica}): the spooled batches first, then the stamp ({@link ReplicaSet#discardAfter}), so a crash in between
     * leaves the old history, decided again on the next connection. Completes once done; the caller keeps the spool
     * from growing meanwhile (the spool writer waits on it).
     */
    CompletableFuture<ResyncRegions> discardAfter(long seq, GenerationHistory history, boolean keepImage) {
        CompletableFuture<ResyncRegions> done = new CompletableFuture<>();
        commands.add(() -> {
            try {
                endRehearsal("the source discarded what the replicas hold after seq " + seq);
                for (BatchSpool.Entry e = spool.awaitOldest(0); e != null; e = spool.awaitOldest(0)) {
                    spool.removeOldest(e);
                    group.unspooled(e);
                }
                spool.syncRemovals(); // else a crash could bring them back, to be applied after the stamp's seq
                ResyncRegions written = replicas.discardAfter(seq, history, keepImage);
                torn = false;
                publish();
                done.complete(written);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Has this thread take the replicas over for a new leader of the source site's gateway group: first it applies
     * every batch the old leader left spooled (acknowledged DURABLE, they continue the image in order, and a batch
     * torn by a storage failure is written whole again), then re-bases the replicas on the new leader's
     * {@code history} after {@code seq}, keeping their image ({@link ReplicaSet#takeOver}). Completes with the seq the
     * old leader's batches reached; the caller keeps the spool from growing meanwhile (the spool writer waits on it).
     */
    CompletableFuture<Long> takeOver(long seq, GenerationHistory history) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        commands.add(() -> {
            try {
                for (BatchSpool.Entry e = spool.awaitOldest(0); e != null; e = spool.awaitOldest(0)) {
                    applyOne(e);
                }
                long reached = replicas.appliedSeq();
                replicas.takeOver(seq, history);
                publish();
                done.complete(reached);
            } catch (ApplyException | ProtocolException | IOException | RuntimeException e) {
                done.completeExceptionally(e); // the loop meets the same batch next and stops on it as usual
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Has this thread digest regions of a replica between two batches, once the replicas have applied at least
     * {@code minSeq} ({@link ReplicaSet#regionDigests}); completes with them and the applied seq they show. A command
     * that finds the replicas short of {@code minSeq} queues itself again behind the next batch, until
     * {@code deadlineNanos} ({@link System#nanoTime}), then fails with a {@link java.util.concurrent.TimeoutException}.
     */
    CompletableFuture<ReplicaDigests> regionDigests(String disk, long offset, int regionBytes, int count, long minSeq,
            long deadlineNanos) {
        CompletableFuture<ReplicaDigests> done = new CompletableFuture<>();
        if (stopped.getCount() == 0) {
            done.completeExceptionally(new IOException("the group's applier has stopped (see status): nothing to "
                    + "compare with until it applies again"));
            return done;
        }
        submitNow(new Runnable() {
            @Override
            public void run() {
                long applied = replicas.appliedSeq();
                if (applied < minSeq) {
                    if (System.nanoTime() - deadlineNanos > 0) {
                        done.completeExceptionally(new java.util.concurrent.TimeoutException("the replicas applied "
                                + "up to seq " + applied + ", not yet " + minSeq));
                    } else {
                        waiting.add(this);
                    }
                    return;
                }
                try {
                    done.complete(new ReplicaDigests(applied, !torn && replicas.states().values().stream()
                            .allMatch(state -> state == ReplicaState.UP_TO_DATE),
                            replicas.regionDigests(disk, offset, regionBytes, count)));
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            }
        });
        return done;
    }

    /** Queues {@code command} and wakes the thread if it waits for a batch: a verify waits on each answer. */
    private void submitNow(Runnable command) {
        commands.add(command);
        spool.wake();
    }

    /**
     * Has this thread open a rehearsal's view of the replicas as they are between two batches ({@link RehearsalView}),
     * which the applier keeps from then on. Idempotent: a view already open is returned as it is.
     */
    CompletableFuture<RehearsalView> startRehearsal(Path directory, long scratchMaxBytes, long preserveMaxBytes,
            long nowMillis) {
        CompletableFuture<RehearsalView> done = new CompletableFuture<>();
        commands.add(() -> {
            try {
                if (applier.rehearsal() == null) {
                    if (torn) {
                        throw new RehearsalRefusedException("the replicas may hold part of a batch (a storage "
                                + "failure stopped it) until it is applied again");
                    }
                    applier.rehearsal(RehearsalView.open(replicas, directory, scratchMaxBytes, preserveMaxBytes,
                            nowMillis));
                    rehearsal = applier.rehearsal();
                }
                done.complete(applier.rehearsal());
            } catch (IOException | RehearsalRefusedException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Has this thread stop keeping the rehearsal's view and delete its scratch and before-images; completes with
     * the view that was open, or null when none was (idempotent).
     */
    CompletableFuture<RehearsalView> stopRehearsal() {
        CompletableFuture<RehearsalView> done = new CompletableFuture<>();
        commands.add(() -> {
            RehearsalView view = applier.rehearsal();
            applier.rehearsal(null);
            rehearsal = null;
            try {
                if (view != null) {
                    view.close();
                }
                done.complete(view);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** The rehearsal's view, or null; read from any thread. */
    RehearsalView rehearsal() {
        return rehearsal;
    }

    /**
     * Has this thread make the replicas thick from now on ({@link ReplicaSet#provisionThick}), between batches; a
     * source asked for it. Completes once every image is allocated.
     */
    CompletableFuture<Void> provisionThick() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(() -> {
            try {
                replicas.provisionThick();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                for (Runnable command = commands.poll(); command != null; command = commands.poll()) {
                    command.run();
                }
                BatchSpool.Entry entry = spool.awaitOldest(POLL_MS);
                if (entry != null) {
                    applyOne(entry);
                }
                commands.addAll(waiting);
                waiting.clear();
            }
        } catch (ApplyException e) {
            stop(new ProtocolException(e.reason().errorCode(), "the replica refused a batch: " + e.getMessage()), e,
                    false);
        } catch (ProtocolException e) {
            if (e.code() == ErrorCode.NOT_LEADER) {
                deposed(e);
            } else {
                stop(new ProtocolException(e.code(), "a spooled batch is unreadable: " + e.getMessage()), e, false);
            }
        } catch (IOException e) {
            torn = true;
            stop(new ProtocolException(ErrorCode.STORAGE_FAILURE, "replica or spool storage failed: " + e), e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            stop(new ProtocolException(ErrorCode.INTERNAL, "the applier failed: " + e), e, false);
        } finally {
            try {
                endRehearsal("applying stopped");
            } catch (IOException e) {
                LOG.warn("cg {}: the rehearsal's files could not be deleted: {} (deleted when the group opens again)",
                        Integer.toUnsignedString(group.cgId()), e.toString());
            }
            stopped.countDown();
        }
    }

    private void applyOne(BatchSpool.Entry entry) throws ApplyException, ProtocolException, IOException {
        group.fence().check(); // a deposed leader writes nothing more to the replicas the site's gateways share
        Batch batch = spool.read(entry, config.frameLimits(), alloc);
        try {
            applier.apply(batch, config.frameLimits(), alloc);
            newestAppliedWriteMicros = batch.newestTimestampMicros();
        } finally {
            batch.release();
        }
        torn = false;
        publish();
        group.applied(entry, clock.monotonicTime());
        spool.removeOldest(entry);
        group.unspooled(entry);
    }

    /** Ends the rehearsal, if any, because the replicas are about to change under it in a way it cannot keep. */
    private void endRehearsal(String why) throws IOException {
        RehearsalView view = applier.rehearsal();
        if (view != null) {
            LOG.warn("cg {}: the rehearsal ends: {}", Integer.toUnsignedString(group.cgId()), why);
            applier.rehearsal(null);
            rehearsal = null;
            view.close();
        }
    }

    /** @param storage a storage failure: the group retries on its own; else it waits for an operator */
    private void stop(ProtocolException failure, Exception cause, boolean storage) {
        publish(); // a refused batch may have begun keeping the consistent image
        if (storage) {
            // No stack trace: ENOSPC or EIO says it all, and it may come back at every retry.
            LOG.error("cg {}: applying stopped at applied seq {} on a storage failure; the replicas may hold part of "
                    + "the next batch until it is replayed (retried on its own): {}",
                    Integer.toUnsignedString(group.cgId()), appliedSeq, failure.getMessage());
        } else {
            LOG.error("cg {}: applying stopped at applied seq {}; the replicas stay at that batch until an operator "
                    + "acts: {}", Integer.toUnsignedString(group.cgId()), appliedSeq, failure.getMessage(), cause);
        }
        group.applyStopped(failure, storage);
    }

    /** This gateway's tenure of the group ended: nothing more is applied here; the gateway closes the group. */
    private void deposed(ProtocolException reason) {
        publish();
        LOG.warn("cg {}: applying stopped at applied seq {}: {}", Integer.toUnsignedString(group.cgId()), appliedSeq,
                reason.getMessage());
        group.applyStopped(reason, false);
    }

    /** Asks the loop to end after the batch it is applying, if any. */
    void stop() {
        stopping = true;
    }

    boolean awaitStopped(long timeoutMs) throws InterruptedException {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
