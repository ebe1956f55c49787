package io.datamover.protocol.netty;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Tells when a connection's peer stopped acknowledging while something waits for an ack: the wait, measured from
 * the last ack or from when something was first seen waiting, reaches the timeout. Heartbeats do not count: they
 * prove the peer is alive, not that the stream moves. Looks every quarter of the timeout (at most every second),
 * so it fires between the timeout and the timeout plus two looks, never before. Event loop only.
 */
final class AckWatchdog {
    private static final long MAX_LOOK_INTERVAL_MS = 1_000;

    private final long timeoutNanos;
    private final long lookIntervalMs;
    private final LongSupplier unacknowledgedBytes;
    private final Runnable timedOut;
    private ScheduledFuture<?> looks;
    /** Since when something waits for an ack; -1 while nothing does. */
    private long waitingSinceNanos = -1;

    /**
     * @param unacknowledgedBytes what waits for an ack (0: nothing); read on the event loop
     * @param timedOut told once when the wait reached the timeout; the watch stops then
     */
    AckWatchdog(long timeoutMs, LongSupplier unacknowledgedBytes, Runnable timedOut) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.lookIntervalMs = Math.clamp(timeoutMs / 4, 1, MAX_LOOK_INTERVAL_MS);
        this.unacknowledgedBytes = unacknowledgedBytes;
        this.timedOut = timedOut;
    }

    /** Starts watching on {@code executor}, the connection's event loop. */
    void start(EventExecutor executor) {
        if (looks == null) {
            looks = executor.scheduleWithFixedDelay(this::look, lookIntervalMs, lookIntervalMs,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The peer acknowledged: whatever still waits has waited since now. */
    void acknowledged() {
        waitingSinceNanos = System.nanoTime();
    }

    void stop() {
        if (looks != null) {
            looks.cancel(false);
        }
    }

    private void look() {
        long now = System.nanoTime();
        if (unacknowledgedBytes.getAsLong() <= 0) {
            waitingSinceNanos = -1;
        } else if (waitingSinceNanos < 0) {
            waitingSinceNanos = now; // sent since the last look: no earlier than this
        } else if (now - waitingSinceNanos >= timeoutNanos) {
            stop();
            timedOut.run();
        }
    }
}
