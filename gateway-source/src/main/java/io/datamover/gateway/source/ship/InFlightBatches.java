package io.datamover.gateway.source.ship;

import java.util.ArrayDeque;

/**
 * The window: batches sent on the current connection and not yet acknowledged DURABLE, bounded by
 * a count and by wire bytes (one batch always fits, however large). The shipper's thread adds,
 * the event loop removes on acks; hence synchronized. Holds no data: a batch lost with its
 * connection is read again from the journal.
 */
final class InFlightBatches {
    private record Sent(long lastSeq, long wireBytes) {}

    private final int maxBatches;
    private final long maxBytes;
    private final ArrayDeque<Sent> sent;
    private long bytes;

    InFlightBatches(int maxBatches, long maxBytes) {
        this.maxBatches = maxBatches;
        this.maxBytes = maxBytes;
        this.sent = new ArrayDeque<>(maxBatches);
    }

    /** True when a batch of at most {@code wireBytes} may be sent now. */
    synchronized boolean hasRoomFor(long wireBytes) {
        return sent.isEmpty() || (sent.size() < maxBatches && bytes + wireBytes <= maxBytes);
    }

    synchronized void add(long lastSeq, long wireBytes) {
        if (!sent.isEmpty() && sent.size() >= maxBatches) {
            throw new IllegalStateException("window full: " + sent.size() + " batches in flight");
        }
        sent.addLast(new Sent(lastSeq, wireBytes));
        bytes += wireBytes;
    }

    /** Frees every batch up to {@code seq}; returns how many. */
    synchronized int acknowledgedThrough(long seq) {
        int freed = 0;
        while (!sent.isEmpty() && sent.peekFirst().lastSeq() <= seq) {
            bytes -= sent.removeFirst().wireBytes();
            freed++;
        }
        return freed;
    }

    /** Forgets every batch (their connection is gone; the next one resumes from the target's point). */
    synchronized void clear() {
        sent.clear();
        bytes = 0;
    }

    synchronized int batches() {
        return sent.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
