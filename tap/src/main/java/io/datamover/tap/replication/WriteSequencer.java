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
 *
 * <p>A sync may {@link #watch} a range it reads unordered (a peek): the watch notes every write that changes the
 * disk there and is in flight or takes a seq from then on, so the sync's ordered read of the range, whose seq comes
 * later, may send the peeked bytes when none did (they are the disk's bytes at that seq).
 */
final class WriteSequencer {

    /** A write between {@link #begin} and {@link #end}; a sync's read or zeroing does not change the local disk. */
    record InFlightWrite(long seq, int disk, long offset, long end, boolean changesDisk) {
        boolean overlaps(InFlightWrite other) {
            return overlaps(other.disk, other.offset, other.end);
        }

        boolean overlaps(int otherDisk, long otherOffset, long otherEnd) {
            return disk == otherDisk && offset < otherEnd && otherOffset < end;
        }
    }

    /** A range a sync peeked at; {@link #changed} once a write that changes the disk there may have run since. */
    static final class Watch {
        private final int disk;
        private final long offset;
        private final long end;
        private boolean changed; // guarded by the sequencer

        private Watch(int disk, long offset, long end) {
            this.disk = disk;
            this.offset = offset;
            this.end = end;
        }
    }

    private final List<InFlightWrite> inFlight = new ArrayList<>();
    private final List<Watch> watches = new ArrayList<>();
    private long nextSeq;
    private boolean paused;

    WriteSequencer(long firstSeq) {
        this.nextSeq = firstSeq;
    }

    /**
     * Waits while a re-base is under way, assigns the next seq, then waits until no earlier overlapping write is still
     * in flight.
     */
    synchronized InFlightWrite begin(int disk, long offset, long length, boolean changesDisk) {
        boolean interrupted = false;
        while (paused) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // no seq taken yet, but a guest write must not fail for it: keep the interrupt
            }
        }
        InFlightWrite write = new InFlightWrite(nextSeq++, disk, offset, offset + length, changesDisk);
        inFlight.add(write);
        if (changesDisk) {
            for (Watch w : watches) {
                w.changed |= write.overlaps(w.disk, w.offset, w.end);
            }
        }
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
        InFlightWrite write = new InFlightWrite(nextSeq++, disk, 0, 0, false);
        inFlight.add(write);
        return write;
    }

    /**
     * Watches {@code [offset, end)} of {@code disk} from now, before a sync reads it unordered: changed at once when a
     * write that changes the disk there is in flight (it may land during the read).
     */
    synchronized Watch watch(int disk, long offset, long end) {
        Watch w = new Watch(disk, offset, end);
        for (InFlightWrite write : inFlight) {
            w.changed |= write.changesDisk() && write.overlaps(disk, offset, end);
        }
        watches.add(w);
        return w;
    }

    /**
     * Whether a write that changes the disk in the watched range was in flight when the watch began or has taken a
     * seq since. Asked after the sync's ordered read of the range took its seq, false means that no write ordered
     * before that read changed the range after the peek, and every later one waits for the read: the peeked bytes
     * are the disk's at the read's seq.
     */
    synchronized boolean changed(Watch w) {
        return w.changed;
    }

    synchronized void unwatch(Watch w) {
        watches.remove(w);
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
