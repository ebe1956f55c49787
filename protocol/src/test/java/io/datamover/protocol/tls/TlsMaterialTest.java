package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.Role;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A daemon's TLS files are checked before it serves: each refusal names the file and what to do. */
class TlsMaterialTest {
    @TempDir
    Path base;

    @ParameterizedTest
    @ValueSource(strings = {"rw-r-----", "rw-r--r--"})
    void aPrivateKeyReadableByGroupOrOthersIsRefusedNamingTheFileAndTheModeToSet(String mode) throws Exception {
        TlsFiles files = new TlsLab(base).files(TlsLab.tap());
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString(mode));

        assertThatThrownBy(() -> TlsLab.contexts(files, TlsProvider.JDK))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining(files.privateKey().toString())
                .hasMessageContaining(mode.equals("rw-r-----") ? "mode 0640" : "mode 0644")
                .hasMessageContaining("chmod 600 " + files.privateKey());
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        TlsFiles files = new TlsLab(base).files(TlsLab.tap());
        Files.delete(files.trustedCertificates());

        assertThatThrownBy(() -> TlsLab.contexts(files, TlsProvider.JDK))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining(files.trustedCertificates() + " is missing");
    }

    @Test
    void aCertificateOutsideItsValidityIsRefusedWithItsDates() throws Exception {
        Instant issued = Instant.parse("2026-01-01T00:00:00Z");
        TlsFiles files = new TlsLab(base).files(TlsLab.tap(), Duration.ofDays(1),
                Clock.fixed(issued, ZoneOffset.UTC));

        assertThatThrownBy(() -> TlsContexts.load(files, TlsProvider.JDK,
                Clock.fixed(issued.plus(Duration.ofDays(2)), ZoneOffset.UTC)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining(files.certificateChain().toString())
                .hasMessageContaining("expired")
                .hasMessageContaining("2026-01-01T00:00:00Z").hasMessageContaining("2026-01-02T00:00:00Z");
        assertThatThrownBy(() -> TlsContexts.load(files, TlsProvider.JDK,
                Clock.fixed(issued.minus(Duration.ofDays(1)), ZoneOffset.UTC)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining("not valid yet");
    }

    @Test
    void aCertificateOfAnotherRoleOrAnotherKeyIsRefused() throws Exception {
        TlsLab lab = new TlsLab(base);
        TlsFiles gateway = lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY));
        Files.copy(gateway.certificateChain(), gateway.dir().resolve("tap.crt"));
        Files.copy(gateway.privateKey(), gateway.dir().resolve("tap.key"));
        assertThatThrownBy(() -> TlsLab.contexts(new TlsFiles(gateway.dir(), Role.TAP), TlsProvider.JDK))
                .hasMessageContaining("source-gateway").hasMessageContaining("this daemon is a tap");

        TlsFiles tap = lab.files(TlsLab.tap());
        Files.delete(tap.privateKey());
        Files.copy(lab.files(TlsLab.tap()).privateKey(), tap.privateKey());
        assertThatThrownBy(() -> TlsLab.contexts(tap, TlsProvider.JDK))
                .hasMessageContaining(tap.privateKey() + " is not the private key of the certificate");
    }

    @Test
    void aReloadThatFailsKeepsTheContextsInUseAndIsCounted() throws Exception {
        TlsLab lab = new TlsLab(base);
        TlsFiles files = lab.files(TlsLab.tap());
        TlsContexts contexts = TlsLab.contexts(files, TlsProvider.JDK);
        var serverBefore = contexts.server();
        var serialBefore = contexts.material().certificate().getSerialNumber();

        lab.write(files.dir(), TlsLab.tap(), TlsLab.DAY, Clock.systemUTC());
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(contexts.reloadIfChanged()).isFalse();
        assertThat(contexts.reloadFailures()).isEqualTo(1);
        assertThat(contexts.server()).isSameAs(serverBefore);
        assertThat(contexts.material().certificate().getSerialNumber()).isEqualTo(serialBefore);
        assertThat(contexts.reloadIfChanged()).as("the same bad files are not retried every poll").isFalse();
        assertThat(contexts.reloadFailures()).isEqualTo(1);

        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw-------"));
        assertThat(contexts.reloadIfChanged()).as("the poll sees the mode fixed").isTrue();
        assertThat(contexts.material().certificate().getSerialNumber()).isNotEqualTo(serialBefore);
    }
}
