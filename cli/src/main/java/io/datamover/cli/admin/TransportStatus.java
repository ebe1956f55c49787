package io.datamover.cli.admin;

import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TransportSecurity;
import java.security.cert.X509Certificate;

/** Adds the daemon's transport security (TLS and its certificate's end, or plaintext) to a status. */
public final class TransportStatus implements StatusSource {
    private final StatusSource status;
    private final TransportSecurity transport;

    public TransportStatus(StatusSource status, TransportSecurity transport) {
        this.status = status;
        this.transport = transport;
    }

    @Override
    public void tick() {
        status.tick();
    }

    @Override
    public StatusReport report() {
        return status.report().withTransport(of(transport));
    }

    static StatusReport.Transport of(TransportSecurity transport) {
        if (transport.isInsecurePlaintext()) {
            return new StatusReport.Transport("INSECURE-PLAINTEXT", null, null, null, null, null);
        }
        TlsContexts tls = transport.contexts().orElseThrow();
        X509Certificate cert = tls.material().certificate();
        return new StatusReport.Transport("TLS", tls.provider().optionValue(),
                cert.getSubjectX500Principal().getName(), cert.getSerialNumber().toString(16),
                cert.getNotAfter().toInstant().toString(),
                (double) tls.secondsUntil(cert.getNotAfter().toInstant()));
    }
}
