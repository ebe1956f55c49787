package io.datamover.protocol.netty;

import io.netty.handler.timeout.IdleStateHandler;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How a connecting side keeps its connection to a peer: connect timeout, reconnect backoff, liveness and close
 * wait. Shared by the tap's sender and the shipper's link; validated once here. Units are in the names.
 *
 * @param connectTimeoutMs time a TCP connect may take
 * @param reconnectInitialDelayMs first wait before reconnecting after a failure
 * @param reconnectMaxDelayMs ceiling of the doubling wait
 * @param reconnectJitterRatio fraction of a wait taken off at random (0: none, 1: anything down to 0)
 * @param heartbeatIntervalMs a HEARTBEAT goes out after this long without sending anything
 * @param readIdleTimeoutMs the peer is taken for dead after this long without a frame from it; also bounds the
 *        wait for HELLO_ACK. Must exceed the peer's heartbeat interval.
 * @param closeTimeoutMs how long a close waits for queued bytes, the connection and the event loop
 * @param ackTimeoutMs while something sent waits for an ack, the connection is closed (and made again, which sends
 *        it again) after this long without one. Heartbeats keep a connection alive but prove nothing about the
 *        stream: a length field damaged on the wire makes the peer swallow everything into a frame that never ends.
 *        The timer restarts at every ack, so it bounds the time of ONE batch or record: the default fits an 8 MiB
 *        batch on a link of about 1.2 Mbit/s.
 */
public record LinkSettings(int connectTimeoutMs, long reconnectInitialDelayMs, long reconnectMaxDelayMs,
        double reconnectJitterRatio, long heartbeatIntervalMs, long readIdleTimeoutMs, long closeTimeoutMs,
        long ackTimeoutMs) {

    public static final long DEFAULT_ACK_TIMEOUT_MS = 60_000;
    public static final LinkSettings DEFAULT = new LinkSettings(5_000, 100, 30_000, 0.2, 1_000, 10_000, 5_000,
            DEFAULT_ACK_TIMEOUT_MS);

    public LinkSettings {
        check(connectTimeoutMs >= 1, "connectTimeoutMs must be >= 1: " + connectTimeoutMs);
        check(reconnectInitialDelayMs >= 1, "reconnectInitialDelayMs must be >= 1: " + reconnectInitialDelayMs);
        check(reconnectMaxDelayMs >= reconnectInitialDelayMs,
                "reconnectMaxDelayMs must be >= reconnectInitialDelayMs: " + reconnectMaxDelayMs);
        check(reconnectJitterRatio >= 0 && reconnectJitterRatio <= 1,
                "reconnectJitterRatio must be 0..1: " + reconnectJitterRatio);
        check(heartbeatIntervalMs >= 1, "heartbeatIntervalMs must be >= 1: " + heartbeatIntervalMs);
        check(readIdleTimeoutMs > heartbeatIntervalMs,
                "readIdleTimeoutMs must exceed heartbeatIntervalMs: " + readIdleTimeoutMs);
        check(closeTimeoutMs >= 0, "closeTimeoutMs must be >= 0: " + closeTimeoutMs);
        check(ackTimeoutMs >= 1, "ackTimeoutMs must be >= 1: " + ackTimeoutMs);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public LinkSettings withConnectTimeoutMs(int value) {
        return new LinkSettings(value, reconnectInitialDelayMs, reconnectMaxDelayMs, reconnectJitterRatio,
                heartbeatIntervalMs, readIdleTimeoutMs, closeTimeoutMs, ackTimeoutMs);
    }

    public LinkSettings withReconnect(long initialDelayMs, long maxDelayMs, double jitterRatio) {
        return new LinkSettings(connectTimeoutMs, initialDelayMs, maxDelayMs, jitterRatio, heartbeatIntervalMs,
                readIdleTimeoutMs, closeTimeoutMs, ackTimeoutMs);
    }

    public LinkSettings withLiveness(long heartbeatMs, long readIdleMs) {
        return new LinkSettings(connectTimeoutMs, reconnectInitialDelayMs, reconnectMaxDelayMs, reconnectJitterRatio,
                heartbeatMs, readIdleMs, closeTimeoutMs, ackTimeoutMs);
    }

    public LinkSettings withCloseTimeoutMs(long value) {
        return new LinkSettings(connectTimeoutMs, reconnectInitialDelayMs, reconnectMaxDelayMs, reconnectJitterRatio,
                heartbeatIntervalMs, readIdleTimeoutMs, value, ackTimeoutMs);
    }

    public LinkSettings withAckTimeoutMs(long value) {
        return new LinkSettings(connectTimeoutMs, reconnectInitialDelayMs, reconnectMaxDelayMs, reconnectJitterRatio,
                heartbeatIntervalMs, readIdleTimeoutMs, closeTimeoutMs, value);
    }

    /** A fresh backoff for one connection's life. */
    public ReconnectBackoff newBackoff() {
        return new ReconnectBackoff(reconnectInitialDelayMs, reconnectMaxDelayMs, reconnectJitterRatio,
                new SplittableRandom());
    }

    /** The idle handler a {@link ClientSessionHandler} needs in front of it: silence timeout and heartbeats. */
    public IdleStateHandler newIdleStateHandler() {
        return new IdleStateHandler(readIdleTimeoutMs, heartbeatIntervalMs, 0, TimeUnit.MILLISECONDS);
    }
}
