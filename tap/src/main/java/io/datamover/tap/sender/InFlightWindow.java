package io.datamover.tap.sender;

import io.datamover.protocol.WriteRecord;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The records handed to the gateway but not yet acknowledged DURABLE, in seq order, each holding a reference
 * to its payload so it can be sent again over a new connection, and the bytes of memory they hold (each frame's
 * encoded bytes, its payload counted as the pooled block it lives in), which may never exceed the capacity. That capacity is therefore both the memory the sender may hold and the
 * outage it can ride through without falling to bitmap mode. Not thread-safe: the sender calls it under its
 * own lock; only {@link #bytesInUse()} may be read without it (the gauge).
 */
final class InFlightWindow {
    private record Entry(WriteRecord record, int bytes) {}

    private final long capacityBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Written under the sender's lock, read without it by the gauge. */
    private volatile long bytesInUse;
    /** Tap time of the oldest record held, {@link Long#MAX_VALUE} when none; read without the lock by status. */
    private volatile long oldestTimestampMicros = Long.MAX_VALUE;

    InFlightWindow(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Keeps {@code record} (taking one reference to it) with {@code bytes} of room; false, changing nothing and
     * taking no reference, when they do not fit.
     */
    boolean tryReserve(WriteRecord record, int bytes) {
        if (bytes > capacityBytes - bytesInUse) {
            return false;
        }
        Entry last = entries.peekLast();
        if (last != null && record.seq() <= last.record().seq()) {
            throw new IllegalStateException("seq " + record.seq() + " reserved after " + last.record().seq());
        }
        entries.addLast(new Entry((WriteRecord) record.retain(), bytes));
        bytesInUse += bytes;
        if (entries.size() == 1) {
            oldestTimestampMicros = record.timestampMicros();
        }
        return true;
    }

    /** Frees every record up to and including {@code seq}; returns the bytes freed. */
    long releaseThrough(long seq) {
        long freed = 0;
        while (!entries.isEmpty() && entries.peekFirst().record().seq() <= seq) {
            Entry e = entries.pollFirst();
            freed += e.bytes();
            e.record().release();
        }
        bytesInUse -= freed;
        Entry first = entries.peekFirst();
        oldestTimestampMicros = first == null ? Long.MAX_VALUE : first.record().timestampMicros();
        return freed;
    }

    /** Forgets every record (their dirty bits cover them). */
    void clear() {
        releaseThrough(Long.MAX_VALUE);
    }

    /** Tap time (µs) of the oldest record held, {@link Long#MAX_VALUE} when none; from any thread. */
    long oldestTimestampMicros() {
        return oldestTimestampMicros;
    }

    /** Seq of the oldest record held, or 0 when empty. */
    long firstSeq() {
        Entry first = entries.peekFirst();
        return first == null ? 0 : first.record().seq();
    }

    /**
     * Hands every record held after {@code seq}, oldest first, to {@code resend} (each with a new reference the
     * callee owns); returns how many.
     */
    int forEachAfter(long seq, Consumer<WriteRecord> resend) {
        int handed = 0;
        for (Entry e : entries) {
            if (e.record().seq() > seq) {
                resend.accept((WriteRecord) e.record().retain());
                handed++;
            }
        }
        return handed;
    }

    long capacityBytes() {
        return capacityBytes;
    }

    long bytesInUse() {
        return bytesInUse;
    }

    int records() {
        return entries.size();
    }
}
