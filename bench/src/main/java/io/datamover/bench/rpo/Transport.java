package io.datamover.bench.rpo;

import java.util.Arrays;
import java.util.List;

/**
 * How the daemons of {@code bench e2e --transports} talk to each other: plaintext (explicitly, with
 * {@code --insecure-plaintext}) or mutual TLS with one of the two providers. TLS daemons get their lab certificates
 * from {@link io.datamover.bench.process.LabTls} when they start.
 */
enum Transport {
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
    String label() {
        return label;
    }

    /** What every daemon's command line gets. */
    List<String> daemonArgs() {
        return daemonArgs;
    }

    boolean tls() {
        return this != PLAINTEXT;
    }

    static Transport parse(String label) {
        return Arrays.stream(values()).filter(t -> t.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown transport '" + label + "': use "
                        + String.join(",", Arrays.stream(values()).map(Transport::label).toList())));
    }
}
