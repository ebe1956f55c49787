package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * A lab's TLS files in one directory, made by a fresh {@link CertificateAuthority}: ca.crt and ca.key, and a
 * certificate and key for each role of one pair (the tap's naming its consistency groups), for the given hosts. For
 * the demo, tests and benches, where every daemon runs on this machine; production makes its files with
 * {@code datamover cert} or its own CA.
 */
public final class LabCertificates {
    /** How daemons on this machine dial each other. */
    public static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost");
    private static final Duration VALIDITY = Duration.ofDays(30);

    private LabCertificates() {}

    /** Writes the files into {@code dir} (created when missing); returns {@code dir}, a {@code --tls-dir}. */
    public static Path create(Path dir, String pairId, Collection<Integer> tapCgIds, List<String> hosts)
            throws IOException {
        return issue(newAuthority(), dir, pairId, tapCgIds, hosts);
    }

    /** A CA for {@link #issue}: several directories (pairs, groups) that trust one another. */
    public static CertificateAuthority newAuthority() {
        return CertificateAuthority.create("datamover lab CA", VALIDITY, Clock.systemUTC());
    }

    /** As {@link #create}, with certificates of {@code ca}. */
    public static Path issue(CertificateAuthority ca, Path dir, String pairId, Collection<Integer> tapCgIds,
            List<String> hosts) throws IOException {
        Files.createDirectories(dir);
        Clock clock = Clock.systemUTC();
        ca.writeTo(dir);
        for (Role role : Role.values()) {
            PeerIdentity identity = role == Role.TAP ? PeerIdentity.tap(pairId, tapCgIds)
                    : PeerIdentity.gateway(role, pairId);
            ca.issue(identity, hosts, VALIDITY, clock).writeTo(new TlsFiles(dir, role));
        }
        return dir;
    }

    /** The transport security of {@code role} with the files {@link #create} wrote into {@code dir}. */
    public static TransportSecurity transport(Path dir, Role role) throws TlsSetupException {
        return TransportSecurity.tls(TlsContexts.load(new TlsFiles(dir, role), TlsProvider.JDK, Clock.systemUTC()));
    }
}
