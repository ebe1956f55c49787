package io.datamover.protocol.netty;

import java.util.List;
import java.util.stream.Collectors;

/** Where a peer listens: a host name or address and a TCP port, 1..65535. */
public record PeerAddress(String host, int port) {
    public PeerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the peer's host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the peer's port must be 1..65535: " + port);
        }
    }

    /** {@code host:port} ({@code [host]:port} for an IPv6 literal). */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The addresses for a log line: {@code a:1,b:2}. */
    public static String describe(List<PeerAddress> addresses) {
        return addresses.stream().map(PeerAddress::toString).collect(Collectors.joining(","));
    }
}
