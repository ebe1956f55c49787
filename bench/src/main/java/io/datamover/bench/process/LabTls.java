package io.datamover.bench.process;

import io.datamover.protocol.Role;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.PeerIdentity;
import io.datamover.protocol.tls.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Mutual TLS for the daemons a bench or test starts as processes: one lab CA per JVM, in a temporary directory
 * deleted at exit, and a {@code --tls-dir} per pair and consistency group (all roles' certificates for 127.0.0.1
 * and localhost). A daemon's command line that chooses for itself ({@code --tls-dir} or {@code --insecure-plaintext})
 * is left as it is.
 */
public final class LabTls {
    private static final Set<String> DAEMONS = Set.of("tap", "source-gateway", "target-gateway", "ack-receiver");
    private static final Map<String, Path> DIRS = new HashMap<>();
    private static Path root;
    private static CertificateAuthority ca;

    private LabTls() {}

    /** {@code args} (a {@code bin/datamover} command line) with {@code --tls-dir} added when it starts a daemon. */
    public static synchronized List<String> secured(List<String> args) throws IOException {
        if (args.isEmpty() || !DAEMONS.contains(args.get(0)) || args.contains("--tls-dir")
                || args.contains("--insecure-plaintext")) {
            return args;
        }
        String pair = valueOf(args, "--pair", "default");
        int cg = Integer.parseInt(valueOf(args, "--cg-id", "1"));
        List<String> secured = new ArrayList<>(args);
        secured.addAll(List.of("--tls-dir", dir(pair, cg).toString()));
        return secured;
    }

    /** The lab {@code --tls-dir} of {@code pair} whose tap certificate names consistency group {@code cg}. */
    public static synchronized Path dir(String pair, int cg) throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("datamover-lab-tls-");
            ca = LabCertificates.newAuthority();
            Path created = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(created), "lab-tls-cleanup"));
        }
        String key = pair + "-cg-" + cg;
        Path dir = DIRS.get(key);
        if (dir == null) {
            dir = LabCertificates.issue(ca, root.resolve(key), pair, List.of(cg), LabCertificates.LOOPBACK);
            DIRS.put(key, dir);
        }
        return dir;
    }

    /**
     * A new certificate and key for {@code role} in {@code dir} (one of {@link #dir}'s), by the same CA, renamed into
     * place so a daemon's poll never reads one without the other; returns the new certificate.
     */
    public static synchronized X509Certificate renew(Path dir, Role role, String pair, int cg) throws IOException {
        Path staging = Files.createDirectories(dir.resolveSibling(dir.getFileName() + ".renew"));
        PeerIdentity identity = role == Role.TAP ? PeerIdentity.tap(pair, List.of(cg))
                : PeerIdentity.gateway(role, pair);
        CertificateAuthority.Issued issued = ca.issue(identity, LabCertificates.LOOPBACK, Duration.ofDays(30),
                Clock.systemUTC());
        TlsFiles staged = new TlsFiles(staging, role);
        issued.writeTo(staged);
        TlsFiles live = new TlsFiles(dir, role);
        Files.move(staged.privateKey(), live.privateKey(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(staged.certificateChain(), live.certificateChain(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        return issued.certificate();
    }

    private static String valueOf(List<String> args, String option, String otherwise) {
        int i = args.indexOf(option);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : otherwise;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
