package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Real CAs and certificates for the TLS tests, each role's files in a directory of its own. */
final class TlsLab {
    static final String PAIR = "pair-a";
    static final List<String> HOSTS = LabCertificates.LOOPBACK;
    static final Duration DAY = Duration.ofDays(1);

    final CertificateAuthority ca;
    private final Path base;
    private int dirs;

    TlsLab(Path base) {
        this.base = base;
        this.ca = CertificateAuthority.create("test CA", Duration.ofDays(30), Clock.systemUTC());
    }

    /** A --tls-dir for {@code identity}, valid from the clock's now for {@code validity}. */
    TlsFiles files(PeerIdentity identity, Duration validity, Clock clock) throws IOException {
        Path dir = Files.createDirectories(base.resolve("tls-" + dirs++));
        return write(dir, identity, validity, clock);
    }

    TlsFiles files(PeerIdentity identity) throws IOException {
        return files(identity, DAY, Clock.systemUTC());
    }

    /** (Re)writes {@code dir}'s files with a new certificate and key for {@code identity}. */
    TlsFiles write(Path dir, PeerIdentity identity, Duration validity, Clock clock) throws IOException {
        return write(dir, identity, HOSTS, validity, clock);
    }

    /** A --tls-dir for {@code identity} naming only {@code hosts}. */
    TlsFiles files(PeerIdentity identity, List<String> hosts) throws IOException {
        return write(Files.createDirectories(base.resolve("tls-" + dirs++)), identity, hosts, DAY, Clock.systemUTC());
    }

    private TlsFiles write(Path dir, PeerIdentity identity, List<String> hosts, Duration validity, Clock clock)
            throws IOException {
        ca.writeTo(dir);
        TlsFiles files = new TlsFiles(dir, identity.role());
        ca.issue(identity, hosts, validity, clock).writeTo(files);
        return files;
    }

    static PeerIdentity tap() {
        return PeerIdentity.tap(PAIR, List.of(1));
    }

    static PeerIdentity gateway(Role role) {
        return PeerIdentity.gateway(role, PAIR);
    }

    static TlsContexts contexts(TlsFiles files, TlsProvider provider) throws TlsSetupException {
        return TlsContexts.load(files, provider, Clock.systemUTC());
    }
}
