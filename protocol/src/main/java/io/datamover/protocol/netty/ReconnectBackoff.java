package io.datamover.protocol.netty;

import java.util.random.RandomGenerator;

/**
 * Waits between reconnect attempts: doubling from the initial delay up to the maximum, each wait
 * shortened by a random fraction of at most the jitter ratio so that many taps restarted together do
 * not reconnect in step. Shared by every client that keeps a connection up (the tap's sender, the
 * source gateway's shipper). Not thread-safe: used on the client's event loop only.
 */
public final class ReconnectBackoff {
    private final long initialDelayMs;
    private final long maxDelayMs;
    private final double jitterRatio;
    private final RandomGenerator random;
    private long nextBaseDelayMs;

    public ReconnectBackoff(long initialDelayMs, long maxDelayMs, double jitterRatio, RandomGenerator random) {
        this.initialDelayMs = initialDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.jitterRatio = jitterRatio;
        this.random = random;
        this.nextBaseDelayMs = initialDelayMs;
    }

    /** The wait before the next attempt; each call doubles the one after, up to the maximum. */
    public long nextDelayMs() {
        long base = nextBaseDelayMs;
        nextBaseDelayMs = base > maxDelayMs / 2 ? maxDelayMs : base * 2;
        long jitter = (long) (base * jitterRatio * random.nextDouble());
        return Math.max(1, base - jitter);
    }

    /** After a successful handshake: the next failure starts from the initial delay again. */
    public void reset() {
        nextBaseDelayMs = initialDelayMs;
    }
}
