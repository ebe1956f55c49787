package io.datamover.bench.rpo;

import io.datamover.protocol.tls.TlsProvider;
import java.util.Arrays;
import java.util.List;

/**
 * How the daemons of {@code bench e2e --transports} talk to each other: plaintext (explicitly, with
 * {@code --insecure-plaintext}) or mutual TLS with one of the two providers. TLS daemons get their lab certificates
 * from {@link io.datamover.bench.process.LabTls} when they start. Also the transports of {@code bench tls-stream}.
 */
public enum Transport {
    PLAINTEXT("plaintext", "--insecure-plaintext"),
    TLS_JDK("tls-jdk", "--tls-provider", "jdk"),
    TLS_OPENSSL("tls-openssl", "--tls-provider", "openssl");

    private final String label;
    private final List<String> daemonArgs;

    Transport(String label, String... daemonArgs) {
        this.label = label;
        this.daemonArgs = List.of(daemonArgs);
    }

    /** The name on the command line and in the report. */
    public String label() {
        return label;
    }

    /** What every daemon's command line gets. */
    List<String> daemonArgs() {
        return daemonArgs;
    }

    public boolean tls() {
        return this != PLAINTEXT;
    }

    /** The TLS provider of a TLS transport. */
    public TlsProvider provider() {
        if (!tls()) {
            throw new IllegalStateException(label + " has no TLS provider");
        }
        return this == TLS_JDK ? TlsProvider.JDK : TlsProvider.OPENSSL;
    }

    public static Transport parse(String label) {
        return Arrays.stream(values()).filter(t -> t.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown transport '" + label + "': use "
                        + String.join(",", Arrays.stream(values()).map(Transport::label).toList())));
    }
}
