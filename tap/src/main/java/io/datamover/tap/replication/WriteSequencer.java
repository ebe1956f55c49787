package io.datamover.tap.replication;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives each write of a consistency group its seq and makes overlapping writes reach the disk in seq order.
 *
 * <p>Why the second part: the replica applies records in seq order, so two overlapping writes in flight at once
 * must also hit the source disk in seq order, or the source and the replica would keep different winners. A write
 * waits only for earlier writes that overlap it and are still in flight; those already run on other threads and
 * never wait for later seqs, so the wait always ends. Non-overlapping writes (the normal case) never wait.
 *
 * <p>The in-flight list is bounded by the tap's in-flight request limits.
 *
 * <p>A resync after bitmap mode re-bases the numbering: {@link #pause()} stops new writes from taking a seq, the group
 * waits until every seq given out is handed off, then {@link #rebase} continues from the gateway's resume point.
 * While paused, only the group itself takes seqs ({@link #beginWhilePaused}, for the resync's markers).
 */
final class WriteSequencer {

    /** A write between {@link #begin} and {@link #end}. */
    record InFlightWrite(long seq, int disk, long offset, long end) {
        boolean overlaps(InFlightWrite other) {
            return disk == other.disk && offset < other.end && other.offset < end;
        }
    }

    private final List<InFlightWrite> inFlight = new ArrayList<>();
    private long nextSeq;
    private boolean paused;

    WriteSequencer(long firstSeq) {
        this.nextSeq = firstSeq;
    }

    /**
     * Waits while a re-base is under way, assigns the next seq, then waits until no earlier overlapping write is still
     * in flight.
     */
    synchronized InFlightWrite begin(int disk, long offset, long length) {
        boolean interrupted = false;
        while (paused) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // no seq taken yet, but a guest write must not fail for it: keep the interrupt
            }
        }
        InFlightWrite write = new InFlightWrite(nextSeq++, disk, offset, offset + length);
        inFlight.add(write);
        while (hasEarlierOverlap(write)) {
            try {
                wait();
            } catch (InterruptedException e) {
                // The seq is taken: the write must go on so the sequence stays gap-free. Keep the interrupt.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return write;
    }

    /** A seq for a record that covers no range (a marker), taken by the group while the sequencer is paused. */
    synchronized InFlightWrite beginWhilePaused(int disk) {
        if (!paused) {
            throw new IllegalStateException("the sequencer is not paused");
        }
        InFlightWrite write = new InFlightWrite(nextSeq++, disk, 0, 0);
        inFlight.add(write);
        return write;
    }

    /** New writes wait in {@link #begin} until {@link #resume}. */
    synchronized void pause() {
        paused = true;
    }

    /** While paused and with no write in flight: the next seq given out is {@code next}. */
    synchronized void rebase(long next) {
        if (!paused || !inFlight.isEmpty()) {
            throw new IllegalStateException("seqs can be re-based only while paused with nothing in flight: " + inFlight);
        }
        nextSeq = next;
    }

    /** Ends a pause: the writes waiting in {@link #begin} take their seqs. */
    synchronized void resume() {
        paused = false;
        notifyAll();
    }

    /** The write is on disk (or failed): later overlapping writes may proceed. */
    synchronized void end(InFlightWrite write) {
        inFlight.remove(write);
        notifyAll();
    }

    /** The last seq given out, or {@code firstSeq - 1} if none. */
    synchronized long lastAssigned() {
        return nextSeq - 1;
    }

    private boolean hasEarlierOverlap(InFlightWrite write) {
        for (InFlightWrite other : inFlight) {
            if (other.seq < write.seq && other.overlaps(write)) {
                return true;
            }
        }
        return false;
    }
}
