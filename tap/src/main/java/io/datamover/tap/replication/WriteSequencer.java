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

    WriteSequencer(long firstSeq) {
        this.nextSeq = firstSeq;
    }

    /** Assigns the next seq, then waits until no earlier overlapping write is still in flight. */
    synchronized InFlightWrite begin(int disk, long offset, long length) {
        InFlightWrite write = new InFlightWrite(nextSeq++, disk, offset, offset + length);
        inFlight.add(write);
        boolean interrupted = false;
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
