package io.datamover.tap;

import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.replication.WriteAdmission;
import io.datamover.tap.sender.AckListener;
import io.datamover.tap.sender.BitmapReason;
import io.datamover.tap.sender.GatewaySender;
import io.datamover.tap.sender.StreamListener;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that decides about a consistency group's stream between the tap and its gateway sender (thread
 * {@code tap-stream-cg-N}): it hands the group's records to the sender in seq order (the I/O threads only post that
 * the next write has completed), applies the gateway's durable acks to the group, puts the group in bitmap mode when
 * the sender stopped streaming, makes dirty marks the gateway asked for durable, and starts the resync of the dirty
 * regions on the event that makes one possible: the sender connected while the group is in bitmap mode, the group
 * went to bitmap mode while the sender is connected, or the initial sync ended. Never from a poll, and nothing waits
 * for the writes in flight: the resync's start is a phase of this thread ({@link ResyncPhase#DRAINING}: new writes
 * wait for a seq while those given out are handed off), which ends on the hand-off that leaves none. Its timers: the
 * back-off after a resync that did not bring the group back to STREAMING, and a guard that gives up a drain a write
 * in flight holds for too long; and the outage grace: the sender reports a lost connection and rides it through in
 * its window, and this thread ends the outage when the grace is over.
 *
 * <p>Other threads only post events, which never block and never wait for this thread: the sender's event loop
 * (durable acks, connected, sender in bitmap mode, dirty marks requested), the I/O threads (the next write in seq
 * order completed, the group went to bitmap mode), the initial sync's thread (it ended) and the resync thread (the
 * resync ended). The queue is bounded by
 * construction: every kind of {@link Event} has one slot, and an event whose slot is already full merges into it (an
 * ack covers every seq below it, so only the highest counts; the other events say "look again"). A flood of acks or mode changes therefore
 * never grows memory and never makes a poster wait. The completed writes themselves wait in the group's reorder
 * buffer, which is bounded in bytes: a guest that overflows it puts the group in bitmap mode instead of waiting.
 *
 * <p>The resync's copy runs on its own thread ({@code tap-resync}), which is never interrupted (an interrupted read
 * would close a disk's channel): it waits for acks, which this thread keeps applying meanwhile.
 */
final class StreamOwner implements AckListener, StreamListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamOwner.class);
    /** First pause after a resync that did not bring the group back to STREAMING; doubles up to the maximum. */
    static final long RESYNC_MIN_BACKOFF_MS = 200;
    /** Longest pause between resyncs that did not bring the tap back to streaming (a gateway refusing again). */
    static final long RESYNC_MAX_BACKOFF_MS = 10_000;
    /**
     * Longest a resync's drain may hold new writes back: a write in flight that does not complete (a hung disk) must
     * not stop the guest's other writes for good. The drain is then given up and tried again after the back-off.
     */
    static final long DRAIN_GUARD_MS = 10_000;
    private static final long STOP_WAIT_MS = 5_000;
    private static final long NO_WAKE = Long.MIN_VALUE;

    /** What other threads post: one slot each, so the queue holds at most one of every kind. */
    enum Event {
        /** The next write in seq order has completed: hand off every record that is ready. */
        HAND_OFF,
        /** The gateway acknowledged records durable (the slot keeps the highest seq). */
        DURABLE,
        /** The gateway holds less than it acknowledged before: acks count again from its resume point. */
        ACKS_RESTARTED,
        /** A connection said whether the gateway forwards its target's applied seq (the slot keeps the latest). */
        HOLD_CHANGED,
        /** The gateway's target applied records (the slot keeps the highest seq). */
        APPLIED,
        /** The gateway asked for a resync and its regions were marked dirty in memory: make them durable. */
        DIRTY_MARKED,
        /** The sender's stream to the gateway broke: it refuses records (the slot keeps the latest reason). */
        SENDER_IN_BITMAP,
        /** The group went to bitmap mode. */
        GROUP_IN_BITMAP,
        /** A connection to the gateway completed its handshake. */
        CONNECTED,
        /** The handshaken connection was lost. */
        DISCONNECTED,
        /** The resync thread finished a run (the slot keeps its outcome). */
        RESYNC_ENDED,
        /** The initial sync of new disks ended: a resync may start. */
        INITIAL_SYNC_ENDED,
        /** A closing tap waits for the stream to be idle ({@link #whenStreamIdle}). */
        IDLE_ASKED
    }

    /** How a resync run ended, for the back-off. */
    private enum ResyncOutcome { STREAMING, NOT_STREAMING, FAILED }

    /** Where this thread is with the resync after bitmap mode; changed on this thread only. */
    enum ResyncPhase {
        /** No resync under way. */
        IDLE,
        /** New writes wait for a seq while those given out are handed off; the hand-off that leaves none ends it. */
        DRAINING,
        /** Seqs re-based, SYNC_BEGINs ordered: the resync thread copies the regions. */
        COPYING
    }

    private final long cg;
    private final Thread thread;
    /** Runs the resyncs, one at a time; never interrupted. */
    private final ExecutorService resyncs;
    /** Set once by {@link #start}; read by the event loop for the dirty marks it must set at once. */
    private volatile Tap tap;
    /** Resyncs the gateway asked for before {@link #start} (guarded by {@code lock}). */
    private final List<ResyncRegions> requestedWhileStarting = new ArrayList<>();

    // The queue: guarded by lock.
    private final Object lock = new Object();
    private final EnumSet<Event> pending = EnumSet.noneOf(Event.class);
    private long latestDurable = Long.MIN_VALUE;
    private long latestApplied = Long.MIN_VALUE;
    private boolean holdUntilApplied;
    private long ackRestartSeq;
    private String senderBitmapReason;
    private ResyncOutcome resyncOutcome;
    private boolean closing;
    /** The number of the last connection the sender lost (slot of {@link Event#DISCONNECTED}). */
    private long latestOutage;
    /** Completed by the sender's first handshake. */
    private final CompletableFuture<Void> firstHandshake = new CompletableFuture<>();
    /** Who waits for the stream to be idle (guarded by {@code lock}; this thread completes them). */
    private final List<CompletableFuture<Void>> idleWaiters = new ArrayList<>();
    /** Set by the closing thread before it cancels a drain: no drain begins after it. */
    private volatile boolean resyncsStopped;

    // Owner thread only (the wake time is read under lock by the same thread).
    private GatewaySender sender;
    private long appliedDurable = Long.MIN_VALUE;
    private long appliedApplied = Long.MIN_VALUE;
    private ResyncPhase phase = ResyncPhase.IDLE;
    private long drainDeadlineNanos;
    private long resyncBackoffMs;
    private long earliestResyncNanos = System.nanoTime();
    private long wakeAtNanos = NO_WAKE;
    /** The outage whose grace this thread times, and when it ends ({@link #NO_WAKE}: none). */
    private long timedOutage;
    private long outageGraceEndsNanos = NO_WAKE;

    StreamOwner(long cg) {
        this.cg = cg;
        this.thread = Thread.ofPlatform().name("tap-stream-cg-" + cg).daemon().unstarted(this::run);
        this.resyncs = Executors.newSingleThreadExecutor(new DefaultThreadFactory("tap-resync", true));
    }

    /**
     * Starts deciding, once the tap serves: events posted before (the sender connects before the tap starts, to learn
     * where the stream continues) waited in their slots. Looks at once whether a resync can start (a tap that starts
     * with dirty regions and a connected sender).
     */
    void start(Tap tap, GatewaySender sender) {
        this.sender = sender;
        List<ResyncRegions> early;
        synchronized (lock) {
            this.tap = tap;
            early = List.copyOf(requestedWhileStarting);
            requestedWhileStarting.clear();
            latestDurable = Math.max(latestDurable, sender.durableSeq());
            pending.add(Event.DURABLE);
        }
        for (ResyncRegions regions : early) {
            markDirty(tap, regions);
        }
        if (!early.isEmpty()) {
            flushDirtyBits();
            post(Event.DIRTY_MARKED);
        }
        thread.start();
    }

    /** Events waiting in the queue now; at most one per kind of {@link Event}. */
    int queued() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /** The next write in seq order completed; from the thread that completed it, after it released the group's lock. */
    void handOffReady() {
        post(Event.HAND_OFF);
    }

    /** The group went to bitmap mode; from the thread that moved it, under the group's lock: must not block. */
    void groupInBitmap() {
        post(Event.GROUP_IN_BITMAP);
    }

    /** The initial sync of new disks ended; from its thread. */
    void initialSyncEnded() {
        post(Event.INITIAL_SYNC_ENDED);
    }

    @Override
    public void durable(int cgId, long seq) {
        synchronized (lock) {
            latestDurable = Math.max(latestDurable, seq);
            postLocked(Event.DURABLE);
        }
    }

    @Override
    public void acknowledgedLost(int cgId, long heldSeq) {
        acknowledgedLost(cgId, heldSeq, false);
    }

    /**
     * This thread pins what the lost journal's acks had let go but its target had not applied, and every write not
     * acknowledged, before it applies any ack of the new stream ({@link Tap#acknowledgementsLost}); without
     * {@code unappliedTracked} every region is marked dirty at once as well, as for a resync the gateway asks for.
     */
    @Override
    public void acknowledgedLost(int cgId, long heldSeq, boolean unappliedTracked) {
        synchronized (lock) {
            // Acks of the stream that continues after heldSeq count again, though below the highest seen so far.
            ackRestartSeq = pending.contains(Event.ACKS_RESTARTED) ? Math.min(ackRestartSeq, heldSeq) : heldSeq;
            latestDurable = heldSeq;
            latestApplied = Math.min(latestApplied, heldSeq);
            postLocked(Event.ACKS_RESTARTED);
        }
        if (!unappliedTracked) {
            resyncRequested(cgId, null);
        }
    }

    @Override
    public void holdUntilApplied(int cgId, boolean hold) {
        synchronized (lock) {
            holdUntilApplied = hold;
            postLocked(Event.HOLD_CHANGED);
        }
    }

    @Override
    public void applied(int cgId, long seq) {
        synchronized (lock) {
            latestApplied = Math.max(latestApplied, seq);
            postLocked(Event.APPLIED);
        }
    }

    /**
     * Sets the bits at once, in memory, on the event loop and before the connection can carry a record, so the resync
     * this leads to sees every one; this thread makes them durable ({@link Event#DIRTY_MARKED}) before it starts any
     * resync: the gateway asks once per run and takes the next resync for the one it asked, so bits lost to a crash
     * meanwhile would never be resynced. No fdatasync on the event loop: its acks and heartbeats go on meanwhile.
     */
    @Override
    public void resyncRequested(int cgId, ResyncRegions regions) {
        Tap t;
        synchronized (lock) {
            t = tap;
            if (t == null) {
                // Still starting (its disks not open): kept for start(). The gateway asks once per run, so a request
                // dropped here was lost, and the resync that followed was taken for the one owed.
                requestedWhileStarting.add(regions == null ? ResyncRegions.everything(cgId) : regions);
                return;
            }
        }
        markDirty(t, regions);
        post(Event.DIRTY_MARKED);
    }

    private static void markDirty(Tap t, ResyncRegions regions) {
        if (regions == null || regions.everything()) {
            t.markEveryRegionDirty();
        } else {
            t.markRegionsDirty(regions.ranges());
        }
    }

    @Override
    public void streamBroken(BitmapReason reason, long seq) {
        if (reason != BitmapReason.CLOSED) {
            synchronized (lock) {
                senderBitmapReason = reason + " at seq " + seq;
                postLocked(Event.SENDER_IN_BITMAP);
            }
        }
    }

    @Override
    public void connected() {
        firstHandshake.complete(null);
        post(Event.CONNECTED);
    }

    @Override
    public void disconnected(long outage) {
        synchronized (lock) {
            latestOutage = outage;
            postLocked(Event.DISCONNECTED);
        }
    }

    /**
     * Waits up to {@code timeout} for the sender's first handshake (the tap's start, so the first writes can stream).
     *
     * @return true once a connection was handshaken
     */
    boolean awaitFirstHandshake(Duration timeout) throws InterruptedException {
        try {
            firstHandshake.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        }
    }

    /**
     * Completes once every write ordered so far is handed off and, while connected, the gateway acknowledged every
     * record sent: a closing tap waits for it, with a deadline, so those regions close clean. This thread looks after
     * every round of events (hand-offs, acks, a lost connection).
     */
    CompletableFuture<Void> whenStreamIdle() {
        CompletableFuture<Void> idle = new CompletableFuture<>();
        synchronized (lock) {
            idleWaiters.add(idle);
            postLocked(Event.IDLE_ASKED);
        }
        return idle;
    }

    private void resyncEnded(ResyncOutcome outcome) {
        synchronized (lock) {
            resyncOutcome = outcome;
            postLocked(Event.RESYNC_ENDED);
        }
    }

    private void post(Event event) {
        synchronized (lock) {
            postLocked(event);
        }
    }

    private void postLocked(Event event) {
        if (pending.add(event)) {
            lock.notifyAll(); // before start, the thread that is not there yet finds it queued
        }
    }

    private void run() {
        while (true) {
            EnumSet<Event> events;
            long durable;
            long applied;
            boolean hold;
            long restart;
            long outage;
            String senderReason;
            ResyncOutcome outcome;
            synchronized (lock) {
                try {
                    awaitEventOrWake();
                } catch (InterruptedException e) {
                    return;
                }
                if (closing) {
                    return;
                }
                events = EnumSet.copyOf(pending);
                pending.clear();
                durable = latestDurable;
                applied = latestApplied;
                hold = holdUntilApplied;
                restart = ackRestartSeq;
                outage = latestOutage;
                senderReason = senderBitmapReason;
                outcome = resyncOutcome;
            }
            try {
                handle(events, new Acks(durable, applied, hold, restart), outage, senderReason, outcome);
            } catch (RuntimeException e) {
                LOG.error("consistency group {}: handling {} failed", cg, events, e);
            }
        }
    }

    /** Holds the lock. Returns when an event is queued, the wake time passed, or closing. */
    private void awaitEventOrWake() throws InterruptedException {
        while (pending.isEmpty() && !closing) {
            if (wakeAtNanos == NO_WAKE) {
                lock.wait();
            } else {
                long left = wakeAtNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /** The ack slots as one round took them. */
    private record Acks(long durable, long applied, boolean hold, long restart) {}

    private void handle(EnumSet<Event> events, Acks acks, long outage, String senderReason, ResyncOutcome outcome) {
        if (events.contains(Event.HAND_OFF)) {
            tap.handOffReady(); // first: the acks below may be for the records it hands off
        }
        if (events.contains(Event.ACKS_RESTARTED)) {
            appliedDurable = Math.min(appliedDurable, acks.restart());
            appliedApplied = Math.min(appliedApplied, acks.restart());
            // Before any ack of the new stream: its seqs are another journal's, and must release nothing of the old.
            tap.acknowledgementsLost("the gateway that acknowledged the stream lost its journal or was replaced (a "
                    + "takeover): acks restart after seq " + acks.restart());
        }
        if (events.contains(Event.HOLD_CHANGED)) {
            tap.holdUntilApplied(acks.hold());
        }
        if (acks.durable() > appliedDurable) {
            appliedDurable = acks.durable();
            applyDurable(acks.durable());
        }
        if (acks.applied() > appliedApplied) {
            appliedApplied = acks.applied();
            tap.applied(acks.applied());
        }
        if (events.contains(Event.DIRTY_MARKED)) {
            flushDirtyBits();
        }
        // A resync may have resumed the sender since: then this loss is over, and the group's own records would
        // have told it otherwise.
        if (events.contains(Event.SENDER_IN_BITMAP) && !sender.takesRecords()) {
            tap.replicationLost("the gateway sender went to bitmap mode (" + senderReason + ")");
        }
        if (events.contains(Event.RESYNC_ENDED)) {
            phase = ResyncPhase.IDLE;
            backOff(outcome);
        }
        advanceResync();
        if (events.contains(Event.DISCONNECTED) && outage != timedOutage) {
            timedOutage = outage;
            outageGraceEndsNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sender.outageGraceMs());
        }
        timeOutageGrace();
        completeIdleWaiters();
    }

    /**
     * The sender rides an outage through in its window for the grace; past it, this thread ends the outage (the
     * sender stops holding records and the stream breaks: bitmap mode). A reconnect before ends the timing.
     */
    private void timeOutageGrace() {
        if (outageGraceEndsNanos == NO_WAKE) {
            return;
        }
        if (sender.isConnected()) {
            outageGraceEndsNanos = NO_WAKE; // back within the grace; a later loss is a new outage, a new event
        } else if (System.nanoTime() - outageGraceEndsNanos >= 0) {
            outageGraceEndsNanos = NO_WAKE;
            sender.outageGraceOver(timedOutage);
        } else if (wakeAtNanos == NO_WAKE || outageGraceEndsNanos - wakeAtNanos < 0) {
            wakeAtNanos = outageGraceEndsNanos;
        }
    }

    private void completeIdleWaiters() {
        if (!tap.allHandedOff() || sender.isConnected() && (sender.durableSeq() < sender.lastSentSeq()
                || sender.holdsUntilApplied() && sender.appliedSeq() < sender.lastSentSeq())) {
            return; // the hand-off, the ack or the lost connection that changes this is an event: a next round
        }
        List<CompletableFuture<Void>> idle;
        synchronized (lock) {
            idle = List.copyOf(idleWaiters);
            idleWaiters.clear();
        }
        idle.forEach(waiter -> waiter.complete(null));
    }

    /** The next resync waits according to how the last one (or its start) ended. */
    private void backOff(ResyncOutcome outcome) {
        resyncBackoffMs = switch (outcome) {
            case STREAMING -> 0;
            case NOT_STREAMING -> Math.min(RESYNC_MAX_BACKOFF_MS, Math.max(2 * resyncBackoffMs,
                    RESYNC_MIN_BACKOFF_MS));
            case FAILED -> RESYNC_MAX_BACKOFF_MS;
        };
        earliestResyncNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(resyncBackoffMs);
    }

    /** One step of the resync's phases, after every round of events. */
    private void advanceResync() {
        wakeAtNanos = NO_WAKE;
        switch (phase) {
            case IDLE -> startResyncIfPossible();
            case DRAINING -> continueDrain();
            case COPYING -> { } // RESYNC_ENDED moves on
        }
    }

    private void applyDurable(long seq) {
        try {
            tap.acknowledge(tap.config().consistencyGroupId(), seq);
        } catch (IllegalArgumentException e) {
            LOG.error("durable ack of seq {} could not be applied; its dirty regions stay set", seq, e);
        }
    }

    private void flushDirtyBits() {
        flushDirtyBits(tap);
    }

    private static void flushDirtyBits(Tap tap) {
        try {
            tap.flushDirtyBits();
        } catch (IOException e) {
            // In memory they are set: this run resyncs them all the same; only a crash before the next sync loses them.
            LOG.error("cannot make the dirty bits of every region durable: {}", e.toString());
        }
    }

    /**
     * Begins a resync's drain when the group is in bitmap mode and the sender has a handshaken connection, unless the
     * initial sync still runs, dirty marks wait to be made durable, or the back-off after the last one has not passed
     * (then wakes when it has). Phase IDLE only.
     */
    private void startResyncIfPossible() {
        if (resyncsStopped || tap.mode() != ReplicationMode.BITMAP || !sender.isConnected()
                || tap.initialSyncRunning()) {
            return; // the event that changes this (bitmap mode, connected, initial sync ended) wakes this thread
        }
        if (tap.admission().state() == WriteAdmission.State.MOVED) {
            return; // a planned migration moved the disks at its seq: nothing more is replicated from here
        }
        if (dirtyMarksNotDurable()) {
            return; // marked since this round began: the next round makes them durable first, then starts
        }
        long now = System.nanoTime();
        if (now - earliestResyncNanos < 0) {
            wakeAtNanos = earliestResyncNanos;
            return;
        }
        if (!tap.beginResyncDrain()) {
            return; // left BITMAP since the look above
        }
        if (resyncsStopped) {
            tap.cancelResyncDrain(); // the closing thread's cancel may have come before this drain began
            return;
        }
        phase = ResyncPhase.DRAINING;
        drainDeadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(DRAIN_GUARD_MS);
        continueDrain();
    }

    /**
     * Phase DRAINING: once every seq given out is handed off (this round's HAND_OFF may have done it) and no dirty
     * marks wait to be made durable (the next round does it), re-bases the stream and hands the copy to the resync
     * thread; else waits for the next hand-off, or gives up at the guard.
     */
    private void continueDrain() {
        if (tap.resyncDrained() && !dirtyMarksNotDurable()) {
            finishDrain();
            return;
        }
        if (System.nanoTime() - drainDeadlineNanos >= 0) {
            tap.cancelResyncDrain();
            LOG.warn("consistency group {}: writes up to seq {} still in flight {} ms after the resync's drain began; "
                    + "resync postponed", cg, tap.lastSeq(), DRAIN_GUARD_MS);
            drainEnded(ResyncOutcome.NOT_STREAMING);
            return;
        }
        wakeAtNanos = drainDeadlineNanos; // the hand-off that ends the drain comes first, as a rule
    }

    private void finishDrain() {
        ConsistencyGroup.ResyncStart start;
        try {
            start = tap.finishResyncDrain(sender::resumeForResync);
        } catch (RuntimeException e) {
            tap.cancelResyncDrain();
            LOG.error("resync of consistency group {} failed to start", cg, e);
            drainEnded(ResyncOutcome.FAILED);
            return;
        }
        if (start == null) {
            drainEnded(ResyncOutcome.NOT_STREAMING); // left BITMAP meanwhile, or the sender is not connected
            return;
        }
        try {
            resyncs.execute(() -> copy(start));
            phase = ResyncPhase.COPYING;
        } catch (RejectedExecutionException e) {
            phase = ResyncPhase.IDLE; // closing: the resync's regions stay dirty for the next start
        }
    }

    /** A drain ended without a resync to copy. */
    private void drainEnded(ResyncOutcome outcome) {
        phase = ResyncPhase.IDLE;
        backOff(outcome);
        startResyncIfPossible(); // sets the wake time of the back-off
    }

    /** True while dirty marks the gateway asked for wait to be made durable by the next round. */
    private boolean dirtyMarksNotDurable() {
        synchronized (lock) {
            return pending.contains(Event.DIRTY_MARKED);
        }
    }

    /** On the resync thread. */
    private void copy(ConsistencyGroup.ResyncStart start) {
        ResyncOutcome outcome = ResyncOutcome.FAILED;
        try {
            outcome = tap.runResync(start) ? ResyncOutcome.STREAMING : ResyncOutcome.NOT_STREAMING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("resync of consistency group {} failed", cg, e);
        } finally {
            resyncEnded(outcome);
        }
    }

    /**
     * No resync starts from now on, and a drain under way ends (the writes it holds back go on, so the tap can stop
     * serving); a copy running stops when the tap closes ({@link #awaitResyncStopped}).
     */
    void stopResyncs() {
        resyncsStopped = true;
        resyncs.shutdown();
        Tap t = tap;
        if (t != null) {
            t.cancelResyncDrain();
        }
    }

    /** Waits for a resync under way to notice that the tap closed. */
    void awaitResyncStopped(long timeoutMs) {
        try {
            if (!resyncs.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("the resync thread did not stop within {} ms", timeoutMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread; events posted later are dropped. */
    @Override
    public void close() {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        stopResyncs();
        if (thread.isAlive()) {
            try {
                if (!thread.join(Duration.ofMillis(STOP_WAIT_MS))) {
                    LOG.warn("the stream thread of consistency group {} did not stop within {} ms", cg, STOP_WAIT_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
