package io.datamover.protocol.netty;

import java.net.InetSocketAddress;
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

    /** {@code host:port} or {@code [v6]:port}, as {@link #toString()} writes it. */
    public static PeerAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new PeerAddress(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT", e);
        }
    }

    /**
     * Where peers reach a gateway listening on {@code listen}, for other gateways' redirects: that address, unless it is
     * a wildcard or an ephemeral port (then empty: none to name).
     */
    public static String advertised(InetSocketAddress listen) {
        if (listen.getPort() == 0 || listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()) {
            return "";
        }
        return new PeerAddress(listen.getHostString(), listen.getPort()).toString();
    }

    /** The addresses for a log line: {@code a:1,b:2}. */
    public static String describe(List<PeerAddress> addresses) {
        return addresses.stream().map(PeerAddress::toString).collect(Collectors.joining(","));
    }
}
