package io.datamover.tap.sender;

/**
 * The records sent but not yet acknowledged DURABLE: their seqs and encoded sizes, in seq order, and
 * the bytes they add up to, which may never exceed the capacity. Thread-safe: offering threads
 * reserve, the event loop releases on acks.
 *
 * <p>Memory is bounded by the configuration: every entry holds at least one frame header of bytes, so
 * the ring (two primitive arrays, grown by doubling) never holds more than capacity / header entries.
 */
final class InFlightWindow {
    private static final int INITIAL_ENTRIES = 1024;

    private final long capacityBytes;
    private long[] seqs = new long[INITIAL_ENTRIES];
    private int[] sizes = new int[INITIAL_ENTRIES];
    private int head;
    private int count;
    /** Written under the lock, read without it by the gauge. */
    private volatile long bytesInUse;

    InFlightWindow(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** Takes {@code bytes} of room for record {@code seq}; false, changing nothing, when they do not fit. */
    synchronized boolean tryReserve(long seq, int bytes) {
        if (bytes > capacityBytes - bytesInUse) {
            return false;
        }
        if (count > 0 && seq <= seqs[index(count - 1)]) {
            throw new IllegalStateException("seq " + seq + " reserved after " + seqs[index(count - 1)]);
        }
        if (count == seqs.length) {
            grow();
        }
        int tail = index(count);
        seqs[tail] = seq;
        sizes[tail] = bytes;
        count++;
        bytesInUse += bytes;
        return true;
    }

    /** Frees every record up to and including {@code seq}; returns the bytes freed. */
    synchronized long releaseThrough(long seq) {
        long freed = 0;
        while (count > 0 && seqs[head] <= seq) {
            freed += sizes[head];
            head = index(1);
            count--;
        }
        bytesInUse -= freed;
        return freed;
    }

    /** Forgets every record (the connection they were sent on is gone; their dirty bits cover them). */
    synchronized void clear() {
        head = 0;
        count = 0;
        bytesInUse = 0;
    }

    long bytesInUse() {
        return bytesInUse;
    }

    synchronized int records() {
        return count;
    }

    private int index(int offset) {
        return (head + offset) & (seqs.length - 1);
    }

    private void grow() {
        long[] newSeqs = new long[seqs.length * 2];
        int[] newSizes = new int[sizes.length * 2];
        for (int i = 0; i < count; i++) {
            newSeqs[i] = seqs[index(i)];
            newSizes[i] = sizes[index(i)];
        }
        seqs = newSeqs;
        sizes = newSizes;
        head = 0;
    }
}
