package io.datamover.gateway.source.ship;

import io.datamover.protocol.WriteRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers durable records into the next batch and says when to cut it: once the batch interval
 * has passed since its first record, or once its body would exceed the batch size, whichever comes
 * first. A record that would take the batch past the size waits as the first record of the next
 * one (a batch holds at least one record, so a single write larger than the size still ships).
 *
 * <p>Owns the records it holds. Used by the shipper's thread only.
 */
final class BatchCutter implements AutoCloseable {
    private final long intervalNanos;
    private final long maxBytes;
    private List<WriteRecord> records = new ArrayList<>();
    private long bytes;
    private long firstAddedNanos;
    /** The record that did not fit, first of the next batch; null when none. */
    private WriteRecord carry;

    BatchCutter(long intervalNanos, long maxBytes) {
        this.intervalNanos = intervalNanos;
        this.maxBytes = maxBytes;
    }

    /** A cut batch: records in seq order, owned by the holder until {@link #release()}. */
    record Cut(List<WriteRecord> records, long bytes) {
        long firstSeq() {
            return records.getFirst().seq();
        }

        long lastSeq() {
            return records.getLast().seq();
        }

        void release() {
            records.forEach(WriteRecord::release);
        }
    }

    /** Takes {@code record}, the next in seq order, at monotonic time {@code nowNanos}. */
    void add(WriteRecord record, long nowNanos) {
        if (carry != null) {
            throw new IllegalStateException("the batch is full: cut it before adding seq " + record.seq());
        }
        int length = record.write().encodedLength();
        if (!records.isEmpty() && bytes + length > maxBytes) {
            carry = record;
            return;
        }
        if (records.isEmpty()) {
            firstAddedNanos = nowNanos;
        }
        records.add(record);
        bytes += length;
    }

    /** True while the batch can take more records (not full, nothing waiting for the next one). */
    boolean wantsMore() {
        return carry == null && bytes < maxBytes;
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** Bytes of the batch being gathered (entry fields and payloads, before coalescing). */
    long bytes() {
        return bytes;
    }

    /** Tap time of the oldest record held, or {@link Long#MAX_VALUE} when none. */
    long oldestTimestampMicros() {
        return records.isEmpty() ? Long.MAX_VALUE : records.getFirst().timestampMicros();
    }

    /** True when the batch should be cut now. */
    boolean due(long nowNanos) {
        return !records.isEmpty() && (!wantsMore() || nowNanos - firstAddedNanos >= intervalNanos);
    }

    /** Nanoseconds until the interval makes the batch due: 0 when due, {@link Long#MAX_VALUE} when empty. */
    long nanosUntilDue(long nowNanos) {
        if (records.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return due(nowNanos) ? 0 : intervalNanos - (nowNanos - firstAddedNanos);
    }

    /** Hands over the batch gathered so far (not empty) and starts the next, with the record that waited. */
    Cut cut(long nowNanos) {
        if (records.isEmpty()) {
            throw new IllegalStateException("nothing to cut");
        }
        Cut cut = new Cut(records, bytes);
        records = new ArrayList<>();
        bytes = 0;
        WriteRecord waiting = carry;
        carry = null;
        if (waiting != null) {
            add(waiting, nowNanos);
        }
        return cut;
    }

    /** Releases everything held (after a reconnect the reader seeks again; on close). */
    void discard() {
        records.forEach(WriteRecord::release);
        records.clear();
        bytes = 0;
        if (carry != null) {
            carry.release();
            carry = null;
        }
    }

    @Override
    public void close() {
        discard();
    }
}
