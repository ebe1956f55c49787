package io.datamover.gateway.source.journal;

import java.time.InstantSource;
import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The time Chronicle rolls cycle files by: the clock's, but never going backwards. When the clock steps back
 * (NTP, an operator), this time stays where it was and moves on from there at the clock's pace, so cycles keep
 * rolling at the usual rate and are always written in increasing order.
 *
 * <p>Why: Chronicle appends to the cycle of the time it is given. Given an earlier time, it reopens an older cycle
 * file (or creates one) behind entries already written, where tailers that went past that cycle never look, and
 * the journal's "files wholly behind the retention point" would no longer be a prefix of its sequence. The cycle
 * number is only a label for a file here; a label ahead of the wall clock costs nothing.
 *
 * <p>Thread-safe: Chronicle asks from the owner's appender and the shipper's tailer.
 */
final class ForwardOnlyTime implements TimeProvider {
    private final InstantSource clock;
    /** Added to the clock: the sum of the backward steps seen. */
    private long offsetMillis;
    private long lastMillis = Long.MIN_VALUE;

    ForwardOnlyTime(InstantSource clock) {
        this.clock = clock;
    }

    /** Never returns less than before (nor than {@link #notBefore}). */
    @Override
    public synchronized long currentTimeMillis() {
        long now = clock.millis() + offsetMillis;
        if (now < lastMillis) {
            offsetMillis += lastMillis - now;
            now = lastMillis;
        }
        lastMillis = now;
        return now;
    }

    /** Moves the time up to {@code millis} if it is behind: a reopened journal continues in its last cycle or later. */
    synchronized void notBefore(long millis) {
        lastMillis = Math.max(lastMillis, millis);
    }
}
