package io.datamover.protocol.netty;

/**
 * What one gateway listener lets in before a peer is known: connections at once, connections still in their
 * handshake, and how long a connection may take to send its whole HELLO. Validated once here.
 *
 * @param maxConnections connections open at once on the listener, streaming ones included; one more is closed at
 *        accept
 * @param maxHandshakes connections at once whose HELLO has not been accepted or refused yet; one more is closed at
 *        accept
 * @param helloTimeoutMs a connection that has not sent a whole HELLO this long after it was accepted is closed,
 *        however it dribbles; the time the gateway then takes to open the HELLO's group does not count
 */
public record ListenerLimits(int maxConnections, int maxHandshakes, long helloTimeoutMs) {
    /** The gateways' defaults: room for every group of the default {@code --max-groups} and a burst of reconnects. */
    public static final int DEFAULT_MAX_CONNECTIONS = 512;
    public static final int DEFAULT_MAX_HANDSHAKES = 128;
    public static final long DEFAULT_HELLO_TIMEOUT_MS = 10_000;
    public static final ListenerLimits DEFAULT = new ListenerLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HANDSHAKES,
            DEFAULT_HELLO_TIMEOUT_MS);

    public ListenerLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
        }
        if (maxHandshakes < 1 || maxHandshakes > maxConnections) {
            throw new IllegalArgumentException("maxHandshakes must be 1.." + maxConnections + " (maxConnections): "
                    + maxHandshakes);
        }
        if (helloTimeoutMs < 1) {
            throw new IllegalArgumentException("helloTimeoutMs must be >= 1: " + helloTimeoutMs);
        }
    }

    @Override
    public String toString() {
        return "at most " + maxConnections + " connections, " + maxHandshakes + " of them in their handshake, HELLO"
                + " within " + helloTimeoutMs + " ms";
    }
}
