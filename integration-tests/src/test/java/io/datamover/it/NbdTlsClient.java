package io.datamover.it;

import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TlsFiles;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A test VM's NBD client that starts TLS (NBD_OPT_STARTTLS) with a datamover listener requiring it, a rehearsal's
 * view: the certificates directory GnuTLS clients read (qemu's {@code tls-creds-x509}, libnbd's
 * {@code tls-certificates}): {@code ca-cert.pem}, the lab CA, and {@code client-cert.pem} with {@code client-key.pem},
 * a certificate that CA issued (the lab tap's), or none for a client that proves nothing. The key goes through
 * {@code openssl ec}, as docs/operations.md tells operators: GnuTLS 3.7 cannot read a PKCS#8 EC key without its
 * public key, which is how the JDK (and so {@code datamover cert}) writes one; SEC1 with it, it can.
 */
final class NbdTlsClient {
    private final Path dir;

    private NbdTlsClient(Path dir) {
        this.dir = dir;
    }

    /** The client's files in {@code dir}, from the lab {@code --tls-dir} {@code labDir}; a certificate or none. */
    static NbdTlsClient create(Path dir, Path labDir, boolean withCertificate)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.copy(labDir.resolve(TlsFiles.CA_CERTIFICATE), dir.resolve("ca-cert.pem"));
        if (withCertificate) {
            TlsFiles certificate = new TlsFiles(labDir, Role.TAP);
            Files.copy(certificate.certificateChain(), dir.resolve("client-cert.pem"));
            Tools.Result key = Tools.run(Duration.ofSeconds(30), "openssl", "ec", "-in",
                    certificate.privateKey().toString(), "-out", dir.resolve("client-key.pem").toString());
            if (key.exitCode() != 0) {
                throw new IOException("openssl ec: " + key.output());
            }
        }
        return new NbdTlsClient(dir);
    }

    /** {@code qemu-io} on {@code export} at 127.0.0.1:{@code port}, TLS required, running {@code commands}. */
    String[] qemuIo(int port, String export, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "--object",
                "tls-creds-x509,id=tls0,endpoint=client,dir=" + dir, "--image-opts",
                "driver=nbd,host=127.0.0.1,port=" + port + ",export=" + export + ",tls-creds=tls0"));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        return command.toArray(String[]::new);
    }

    /** The libnbd URI ({@code nbdcopy}, {@code nbdinfo}) of {@code export} at 127.0.0.1:{@code port}, TLS required. */
    String uri(int port, String export) {
        return "nbds://127.0.0.1:" + port + "/" + export + "?tls-certificates=" + dir;
    }
}
