package io.datamover.tap.replication;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which guest writes may start, for a planned migration (docs/operations.md, "Planned migration"): every one
 * (OPEN); none for a bounded while (HELD: the quiesce; a write waits before it takes a seq, so the guest sees
 * latency, never an error, and once the hold's deadline passes the writes go on by themselves, whatever became of the
 * command that asked for it); or none ever (MOVED: the disks live at another site now; a write is refused with
 * {@link MovedException}, which says where).
 *
 * <p>One monitor guards the state and the count of admitted writes still running: {@link #hold} returns once they
 * are done, so the group's last seq is final while the hold lasts. State changes go through {@link #next}, the one
 * transition function.
 */
public final class WriteAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(WriteAdmission.class);

    /** What the admission lets through. */
    public enum State { OPEN, HELD, MOVED }

    /** What can happen to it. */
    enum Event { HOLD, RELEASE, EXPIRE, MOVE, REINSTATE, MOVED_BEFORE_START }

    /** A write refused because the disks moved to another site; the message says where. */
    public static final class MovedException extends IOException {
        public MovedException(String where) {
            super("this disk moved, its writes are refused here: " + where);
        }
    }

    private final long groupId;
    private final LongSupplier nanoTime;
    private State state;
    private long heldSinceNanos;
    private long heldUntilNanos;
    private String movedTo;
    /** Writes admitted and not yet ended. */
    private int running;
    /** Writes waiting for a hold to end. */
    private int waiting;

    /** @param nanoTime the monotonic clock of the hold's deadline */
    public WriteAdmission(long groupId, LongSupplier nanoTime) {
        this.groupId = groupId;
        this.nanoTime = nanoTime;
        this.state = State.OPEN;
    }

    /** The one transition function: the state after {@code event} in {@code from}; unchanged when it does not apply. */
    static State next(State from, Event event) {
        return switch (event) {
            case HOLD -> from == State.MOVED ? State.MOVED : State.HELD;
            case RELEASE, EXPIRE -> from == State.HELD ? State.OPEN : from;
            case MOVE -> from == State.HELD ? State.MOVED : from;
            case REINSTATE -> from == State.MOVED ? State.OPEN : from;
            case MOVED_BEFORE_START -> from == State.OPEN ? State.MOVED : from;
        };
    }

    /**
     * Before a guest write takes its seq: waits while held (up to the hold's deadline), then admits it. Every admitted
     * write ends with {@link #exit}.
     *
     * @throws MovedException the disks moved: the write must be refused, nothing of it done
     */
    public synchronized void enter() throws MovedException {
        boolean interrupted = false;
        waiting++;
        try {
            while (settled() == State.HELD) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, heldUntilNanos - nanoTime.getAsLong());
                } catch (InterruptedException e) {
                    interrupted = true; // a guest write must not fail for it: keep the interrupt
                }
            }
        } finally {
            waiting--;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (state == State.MOVED) {
            throw new MovedException(movedTo);
        }
        running++;
    }

    /** An admitted write is done (replied to the guest). */
    public synchronized void exit() {
        running--;
        if (running == 0) {
            notifyAll();
        }
    }

    /**
     * Holds new writes for up to {@code maxPauseNanos} from now (a hold under way gets the new deadline), then waits
     * up to {@code drainNanos} for the writes admitted before to end.
     *
     * @return true once none runs; false when some still run (the hold stays, until its deadline or a release)
     * @throws IllegalStateException the disks moved already
     */
    public synchronized boolean hold(long maxPauseNanos, long drainNanos) throws InterruptedException {
        long now = nanoTime.getAsLong();
        if (settled() == State.OPEN) {
            heldSinceNanos = now;
        }
        if (!moveTo(Event.HOLD)) {
            throw new IllegalStateException("the writes of consistency group " + groupId + " moved already: " + movedTo);
        }
        heldUntilNanos = now + maxPauseNanos;
        long drainDeadline = now + drainNanos;
        while (running > 0) {
            long left = drainDeadline - nanoTime.getAsLong();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Ends a hold: the waiting writes go on. Nothing when not held. */
    public synchronized void release() {
        if (moveTo(Event.RELEASE)) {
            LOG.info("consistency group {}: writes released after {} ms held", groupId, heldMillis());
        }
    }

    /**
     * Refuses every write from now on, saying {@code where}: only from a hold still in force (its deadline not passed),
     * so no write ran since the hold drained. The writes waiting are refused too.
     *
     * @throws IllegalStateException not held (never, released, or its deadline passed): writes may have run since
     */
    public synchronized void move(String where) {
        if (settled() != State.HELD) {
            throw new IllegalStateException("consistency group " + groupId + ": the writes are not held (" + state
                    + "): writes may have run since the drain");
        }
        movedTo = where;
        moveTo(Event.MOVE);
    }

    /** At the tap's start, before any write: a migration moved the disks in an earlier run (its state says where). */
    public synchronized void movedBeforeStart(String where) {
        movedTo = where;
        moveTo(Event.MOVED_BEFORE_START);
    }

    /** Takes writes again after {@link #move} (the hand-off was refused at the other site). */
    public synchronized void reinstate() {
        moveTo(Event.REINSTATE);
    }

    public synchronized State state() {
        return settled();
    }

    /** Where the disks live when MOVED, else null. */
    public synchronized String movedTo() {
        return state == State.MOVED ? movedTo : null;
    }

    /** Writes waiting for the hold to end now. */
    public synchronized int waiting() {
        return waiting;
    }

    /** How long the writes have been held, in milliseconds; 0 when not held. */
    public synchronized long heldMillis() {
        return settled() == State.HELD || state == State.MOVED
                ? TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - heldSinceNanos) : 0;
    }

    /** Milliseconds until a hold ends by itself; 0 when not held. */
    public synchronized long heldForMillisMore() {
        return settled() == State.HELD ? TimeUnit.NANOSECONDS.toMillis(heldUntilNanos - nanoTime.getAsLong()) : 0;
    }

    /** The state once a hold past its deadline has ended. Holds the monitor. */
    private State settled() {
        if (state == State.HELD && nanoTime.getAsLong() - heldUntilNanos >= 0) {
            moveTo(Event.EXPIRE);
            LOG.warn("consistency group {}: the migration's hold reached its deadline: writes go on", groupId);
        }
        return state;
    }

    /** Applies {@code event}; true when the state changed. Holds the monitor. */
    private boolean moveTo(Event event) {
        State after = next(state, event);
        boolean changed = after != state || event == Event.HOLD && after == State.HELD;
        state = after;
        if (after != State.HELD) {
            notifyAll();
        }
        return changed;
    }
}
