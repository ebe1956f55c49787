package io.datamover.cli.admin;

import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TransportSecurity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A daemon's transport security as metrics: {@code datamover_insecure_plaintext} (1 when run with
 * {@code --insecure-plaintext}), and with TLS {@code datamover_tls_certificate_expiry_seconds} (seconds until the
 * daemon's certificate, {@code certificate="daemon"}, and the earliest CA of ca.crt, {@code certificate="ca"}, end;
 * negative once past), {@code datamover_tls_reloads_total} and {@code datamover_tls_reload_failures_total}.
 */
public final class TransportMetrics {
    private TransportMetrics() {}

    public static void register(MeterRegistry registry, TransportSecurity transport) {
        Gauge.builder("datamover.insecure.plaintext", () -> transport.isInsecurePlaintext() ? 1 : 0)
                .description("1 when the daemon runs without TLS (--insecure-plaintext)").register(registry);
        transport.contexts().ifPresent(tls -> registerTls(registry, tls));
    }

    private static void registerTls(MeterRegistry registry, TlsContexts tls) {
        Gauge.builder("datamover.tls.certificate.expiry.seconds",
                        () -> tls.secondsUntil(tls.material().certificate().getNotAfter().toInstant()))
                .description("seconds until the certificate in use ends (negative once past)")
                .tag("certificate", "daemon").register(registry);
        Gauge.builder("datamover.tls.certificate.expiry.seconds", () -> tls.secondsUntil(tls.material().caNotAfter()))
                .description("seconds until the certificate in use ends (negative once past)")
                .tag("certificate", "ca").register(registry);
        FunctionCounter.builder("datamover.tls.reloads", tls, TlsContexts::reloads)
                .description("reloads of the TLS files that put new certificates in use").register(registry);
        FunctionCounter.builder("datamover.tls.reload.failures", tls, TlsContexts::reloadFailures)
                .description("reloads of the TLS files that failed and kept the certificates in use")
                .register(registry);
    }
}
