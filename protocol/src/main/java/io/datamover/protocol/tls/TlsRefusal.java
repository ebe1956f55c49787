package io.datamover.protocol.tls;

import io.netty.channel.Channel;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/** Why the TLS layer closed a connection; {@link #tag()} is the metric's {@code reason} tag. */
public enum TlsRefusal {
    /** The peer spoke plaintext to a TLS port (no fallback). */
    PLAINTEXT("plaintext"),
    /** The handshake failed: no certificate, one of another CA, expired, a host name that does not match... */
    HANDSHAKE("tls-handshake"),
    /** The handshake did not finish in time. */
    HANDSHAKE_TIMEOUT("tls-handshake-timeout"),
    /** The handshake worked but the certificate proves no datamover identity, or not the one this side dials. */
    IDENTITY("tls-identity");

    /** The connecting side's counter (tap, shipper), tagged {@code link} and {@code reason}. */
    public static final String CLIENT_METRIC = "datamover.tls.refused";

    private final String tag;

    TlsRefusal(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }

    /** Where the TLS layer reports its refusals: a metric and a log line. Any event loop thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param detail what happened, for the log (the cause, the peer's certificate subject)
         */
        void refused(TlsRefusal reason, Channel channel, String detail);
    }

    /**
     * A WARN per refusal and {@code counter}: for a client (it retries with its backoff, so refusals come slowly).
     *
     * @param connection how logs name the connection, e.g. "cg 1: target 10.0.0.5:10810"
     */
    public static Listener loggedAndCounted(String connection, Consumer<TlsRefusal> counter) {
        return (reason, channel, detail) -> {
            counter.accept(reason);
            LoggerFactory.getLogger(TlsRefusal.class).warn("{}: TLS refused ({}) with {}: {}",
                    connection, reason.tag(), channel.remoteAddress(), detail);
        };
    }
}
