package io.datamover.gateway.source.ship;

/**
 * What RPO and lag are measured from: the batches shipped but not yet APPLIED by the target, each
 * with the tap time of its oldest write and its body bytes, in seq order. Bounded: when full, a new
 * batch is merged into the newest entry, which keeps the older timestamp, so RPO is overstated a
 * little rather than lost. Written by the shipper's thread and the event loop; hence synchronized.
 */
final class UnappliedBatches {
    private final long[] firstSeqs;
    private final long[] lastSeqs;
    private final long[] oldestMicros;
    private final long[] bytes;
    private int head;
    private int count;

    UnappliedBatches(int capacity) {
        firstSeqs = new long[capacity];
        lastSeqs = new long[capacity];
        oldestMicros = new long[capacity];
        this.bytes = new long[capacity];
    }

    synchronized void shipped(long firstSeq, long lastSeq, long oldestTimestampMicros, long bodyBytes) {
        if (count == firstSeqs.length) {
            int tail = index(count - 1);
            lastSeqs[tail] = Math.max(lastSeqs[tail], lastSeq);
            oldestMicros[tail] = Math.min(oldestMicros[tail], oldestTimestampMicros);
            bytes[tail] += bodyBytes;
            return;
        }
        int tail = index(count);
        firstSeqs[tail] = firstSeq;
        lastSeqs[tail] = lastSeq;
        oldestMicros[tail] = oldestTimestampMicros;
        bytes[tail] = bodyBytes;
        count++;
    }

    /** The target applied everything up to {@code seq}. */
    synchronized void appliedThrough(long seq) {
        while (count > 0 && lastSeqs[head] <= seq) {
            head = index(1);
            count--;
        }
    }

    /** A new connection resumes after {@code resumeSeq}: batches starting past it will be shipped again. */
    synchronized void forgetAfter(long resumeSeq) {
        while (count > 0 && firstSeqs[index(count - 1)] > resumeSeq) {
            count--;
        }
    }

    /** Tap time of the oldest write not applied, or {@link Long#MAX_VALUE} when every shipped batch is. */
    synchronized long oldestTimestampMicros() {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            oldest = Math.min(oldest, oldestMicros[index(i)]);
        }
        return oldest;
    }

    /** Body bytes of the unapplied batches that end at or before {@code seq}. */
    synchronized long bytesThrough(long seq) {
        long total = 0;
        for (int i = 0; i < count && lastSeqs[index(i)] <= seq; i++) {
            total += bytes[index(i)];
        }
        return total;
    }

    private int index(int offset) {
        return (head + offset) % firstSeqs.length;
    }
}
