package io.datamover.protocol.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/** Which TLS implementation runs the handshakes and the record layer ({@code --tls-provider}). */
public enum TlsProvider {
    /** The JDK's own TLS: always there, the default. */
    JDK,
    /** BoringSSL through netty-tcnative-boringssl-static: less CPU per byte where its native library loads. */
    OPENSSL;

    /** {@code jdk} or {@code openssl}, in any case. */
    public static TlsProvider named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-provider must be jdk or openssl, not '" + name + "'");
        }
    }

    /** Netty's provider; for OPENSSL, fails clearly when the native library does not load on this machine. */
    SslProvider netty() throws TlsSetupException {
        if (this == JDK) {
            return SslProvider.JDK;
        }
        if (!OpenSsl.isAvailable()) {
            throw new TlsSetupException("--tls-provider openssl: the BoringSSL library (netty-tcnative-boringssl-static)"
                    + " does not load on this machine (" + OpenSsl.unavailabilityCause() + "); use --tls-provider jdk",
                    OpenSsl.unavailabilityCause());
        }
        return SslProvider.OPENSSL;
    }

    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
