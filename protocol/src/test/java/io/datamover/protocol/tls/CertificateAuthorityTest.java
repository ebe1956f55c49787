package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void issuedCertificateCarriesTheIdentityAndHostsAndIsSignedByTheCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("lab", Duration.ofDays(365), CLOCK);
        ca.writeTo(dir);
        CertificateAuthority reloaded = CertificateAuthority.load(dir);
        PeerIdentity tap = PeerIdentity.tap("site-a.b", List.of(7, 2));

        reloaded.issue(tap, List.of("localhost", "127.0.0.1", "::1"), Duration.ofDays(30), CLOCK)
                .writeTo(new TlsFiles(dir, Role.TAP));

        X509Certificate cert = CertificateAuthority.readCertificates(dir.resolve("tap.crt")).get(0);
        cert.verify(ca.certificate().getPublicKey());
        assertThat(PeerIdentity.of(cert)).isEqualTo(tap);
        assertThat(cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                .contains("localhost", "127.0.0.1", "datamover:/pair/site-a.b/role/tap/cg/2,7");
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(CLOCK.instant().plus(Duration.ofDays(30)));
        assertThat(CertificateAuthority.readPrivateKey(dir.resolve("tap.key")).getAlgorithm()).isEqualTo("EC");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tap.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
                .isEqualTo("rw-------");
    }

    @Test
    void identityUriRoundTripsAndRefusesWhatItDoesNotProve() {
        PeerIdentity source = PeerIdentity.gateway(Role.SOURCE_GATEWAY, "p1");
        assertThat(source.toUri()).isEqualTo("datamover:/pair/p1/role/source-gateway");
        assertThat(PeerIdentity.parse(source.toUri())).isEqualTo(source);
        PeerIdentity tap = PeerIdentity.parse("datamover:/pair/p1/role/tap/cg/4294967295,1");
        assertThat(tap.cgIds()).isEqualTo(Set.of(-1, 1));
        assertThat(tap.mayWrite(1)).isTrue();
        assertThat(tap.mayWrite(2)).isFalse();
        assertThat(source.mayWrite(1)).isFalse();

        assertThatThrownBy(() -> PeerIdentity.parse("datamover:/pair/p1/role/tap"))
                .hasMessageContaining("at least one consistency group");
        assertThatThrownBy(() -> PeerIdentity.parse("datamover:/pair/p1/role/target-gateway/cg/1"))
                .hasMessageContaining("only a tap");
        assertThatThrownBy(() -> PeerIdentity.parse("datamover:/pair/p1/role/admin"))
                .hasMessageContaining("unknown role");
        assertThatThrownBy(() -> PeerIdentity.parse("https://example.com/"))
                .hasMessageContaining("not a datamover identity");
        assertThatThrownBy(() -> PeerIdentity.parse("datamover:/pair/p1/role/tap/cg/x"))
                .hasMessageContaining("bad consistency group id");
    }

    @Test
    void aCertificateWithoutAnIdentityProvesNothing() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("lab", Duration.ofDays(1), CLOCK);
        assertThatThrownBy(() -> PeerIdentity.of(ca.certificate()))
                .hasMessageContaining("carries 0 datamover identities");
    }
}
