package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Peers as a TLS handshake would prove them, from real certificates of a test CA: each identity is issued, then
 * read back from its certificate ({@link PeerIdentity#of}), as the TLS layer does.
 */
public final class TestPeers {
    private final CertificateAuthority ca =
            CertificateAuthority.create("test-ca", Duration.ofDays(1), Clock.systemUTC());

    /** The peer a certificate for {@code identity} proves. */
    public AuthenticatedPeer peer(PeerIdentity identity) {
        X509Certificate certificate = ca.issue(identity, List.of("localhost", "127.0.0.1"), Duration.ofDays(1),
                Clock.systemUTC()).certificate();
        return new AuthenticatedPeer(certificate.getSubjectX500Principal().getName(), PeerIdentity.of(certificate));
    }

    public AuthenticatedPeer tap(String pairId, Integer... cgIds) {
        return peer(PeerIdentity.tap(pairId, List.of(cgIds)));
    }

    public AuthenticatedPeer gateway(Role role, String pairId) {
        return peer(PeerIdentity.gateway(role, pairId));
    }
}
