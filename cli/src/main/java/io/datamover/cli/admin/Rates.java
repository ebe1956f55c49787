package io.datamover.cli.admin;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-second rates of cumulative counts (seqs, byte tallies) over a sliding window, from samples taken about once a
 * second. Bounded: a key keeps at most {@code window + 1} samples. Thread-safe.
 */
final class Rates {
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Deque<long[]>> samples = new HashMap<>();

    /**
     * @param windowSeconds how far back a rate looks
     * @param nanoClock monotonic nanoseconds ({@code System::nanoTime} outside tests)
     */
    Rates(int windowSeconds, LongSupplier nanoClock) {
        this.windowNanos = windowSeconds * 1_000_000_000L;
        this.nanoClock = nanoClock;
    }

    /** Records the count of {@code key} now. */
    synchronized void sample(String key, long count) {
        long now = nanoClock.getAsLong();
        Deque<long[]> series = samples.computeIfAbsent(key, k -> new ArrayDeque<>());
        series.addLast(new long[] {now, count});
        while (series.size() > 2 && now - series.peekFirst()[0] > windowNanos) {
            series.removeFirst();
        }
    }

    /** The count's growth per second over the window, or null before two samples. */
    synchronized Double perSecond(String key) {
        Deque<long[]> series = samples.get(key);
        if (series == null || series.size() < 2) {
            return null;
        }
        long[] first = series.peekFirst();
        long[] last = series.peekLast();
        long nanos = last[0] - first[0];
        return nanos <= 0 ? null : Math.max(0, last[1] - first[1]) * 1e9 / nanos;
    }
}
