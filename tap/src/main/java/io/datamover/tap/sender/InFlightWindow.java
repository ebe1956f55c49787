package io.datamover.tap.sender;

import io.datamover.protocol.WriteRecord;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The records handed to the gateway but not yet acknowledged DURABLE, in seq order, each holding a reference
 * to its payload so it can be sent again over a new connection, and the encoded bytes they add up to, which
 * may never exceed the capacity. That capacity is therefore both the memory the sender may hold and the
 * outage it can ride through without falling to bitmap mode. Thread-safe: offering threads reserve, the
 * event loop releases on acks.
 */
final class InFlightWindow {
    private record Entry(WriteRecord record, int bytes) {}

    private final long capacityBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Written under the lock, read without it by the gauge. */
    private volatile long bytesInUse;

    InFlightWindow(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Keeps {@code record} (taking one reference to it) with {@code bytes} of room; false, changing nothing and
     * taking no reference, when they do not fit.
     */
    synchronized boolean tryReserve(WriteRecord record, int bytes) {
        if (bytes > capacityBytes - bytesInUse) {
            return false;
        }
        Entry last = entries.peekLast();
        if (last != null && record.seq() <= last.record().seq()) {
            throw new IllegalStateException("seq " + record.seq() + " reserved after " + last.record().seq());
        }
        entries.addLast(new Entry(record, bytes));
        bytesInUse += bytes;
        return true;
    }

    /** Frees every record up to and including {@code seq}; returns the bytes freed. */
    synchronized long releaseThrough(long seq) {
        long freed = 0;
        while (!entries.isEmpty() && entries.peekFirst().record().seq() <= seq) {
            Entry e = entries.pollFirst();
            freed += e.bytes();
            e.record().release();
        }
        bytesInUse -= freed;
        return freed;
    }

    /** Forgets every record (their dirty bits cover them). */
    synchronized void clear() {
        releaseThrough(Long.MAX_VALUE);
    }

    /** Seq of the oldest record held, or 0 when empty. */
    synchronized long firstSeq() {
        Entry first = entries.peekFirst();
        return first == null ? 0 : first.record().seq();
    }

    /** Hands every record held, oldest first, to {@code resend} (each with a new reference the callee owns). */
    synchronized void forEachRetained(Consumer<WriteRecord> resend) {
        for (Entry e : entries) {
            resend.accept((WriteRecord) e.record().retain());
        }
    }

    long bytesInUse() {
        return bytesInUse;
    }

    synchronized int records() {
        return entries.size();
    }
}
