package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.util.Objects;
import java.util.Optional;

/**
 * How a daemon's connections are secured: mutual TLS with its {@link TlsContexts}, or, only when the operator asked
 * for it ({@code --insecure-plaintext}), plaintext with nothing proved ({@link AuthenticatedPeer#insecure()}). There
 * is no fallback from one to the other. Each connection's pipeline gets its handlers from {@link #secureServer} or
 * {@link #secureClient} before any other; afterwards the channel carries its {@link AuthenticatedPeer} by the time
 * the first frame reaches the session.
 */
public final class TransportSecurity {
    private static final TransportSecurity INSECURE_PLAINTEXT = new TransportSecurity(null);

    private final TlsContexts tls;

    private TransportSecurity(TlsContexts tls) {
        this.tls = tls;
    }

    public static TransportSecurity tls(TlsContexts contexts) {
        return new TransportSecurity(Objects.requireNonNull(contexts, "contexts"));
    }

    /** No TLS: for daemons run with {@code --insecure-plaintext}, and for components tested on their own. */
    public static TransportSecurity insecurePlaintext() {
        return INSECURE_PLAINTEXT;
    }

    public boolean isInsecurePlaintext() {
        return tls == null;
    }

    public Optional<TlsContexts> contexts() {
        return Optional.ofNullable(tls);
    }

    /**
     * Adds the TLS server side to an accepted connection's pipeline (last so far: put it right behind any guard that
     * counts the connection, in front of the session), or marks it insecure.
     *
     * @param handshakeTimeoutMs a handshake not done this long after it began is refused
     */
    public void secureServer(Channel channel, long handshakeTimeoutMs, TlsRefusal.Listener refusals) {
        if (tls == null) {
            channel.attr(AuthenticatedPeer.KEY).set(AuthenticatedPeer.insecure());
            return;
        }
        SslHandler ssl = configured(tls.server().newHandler(channel.alloc()), handshakeTimeoutMs);
        channel.pipeline().addLast(ssl, TlsPeerCheck.server(refusals));
    }

    /**
     * Adds the TLS client side to a new connection's pipeline (before anything else), or marks it insecure. The
     * server must present a certificate for {@code host} (a DNS name or an address it names) that proves
     * {@code serverRole} of pair {@code pairId}; the session starts ({@code channelActive}) only then.
     */
    public void secureClient(Channel channel, String host, int port, Role serverRole, String pairId,
            long handshakeTimeoutMs, TlsRefusal.Listener refusals) {
        if (tls == null) {
            channel.attr(AuthenticatedPeer.KEY).set(AuthenticatedPeer.insecure());
            return;
        }
        SslHandler ssl = configured(tls.client().newHandler(channel.alloc(), host, port), handshakeTimeoutMs);
        channel.pipeline().addLast(ssl, TlsPeerCheck.client(serverRole, pairId, refusals));
    }

    /** The handshake timeout, and for the JDK's engine received records gathered in heap memory. */
    private SslHandler configured(SslHandler ssl, long handshakeTimeoutMs) {
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        if (tls.provider() == TlsProvider.JDK) {
            ssl.setCumulator(HeapCumulator.INSTANCE);
        }
        return ssl;
    }

    /** For logs and status: "TLS (jdk, /etc/datamover/tls)" or "INSECURE plaintext". */
    @Override
    public String toString() {
        return tls == null ? "INSECURE plaintext (--insecure-plaintext)"
                : "mutual TLS 1.3 (" + tls.provider().optionValue() + ", " + tls.files().dir() + ")";
    }
}
