package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import java.nio.file.Path;

/**
 * The files of a {@code --tls-dir}: {@code ca.crt} (the certificates this daemon trusts, PEM, one or more),
 * {@code ROLE.crt} (this daemon's certificate, then any intermediates, PEM) and {@code ROLE.key} (its private key,
 * PKCS#8 PEM, readable by the owner only), where ROLE is tap, source-gateway or target-gateway. A lab can keep
 * every role's files in one directory; {@code ca.key} is only read by {@code datamover cert create} and belongs
 * on no daemon's host.
 */
public record TlsFiles(Path dir, Role role) {
    public static final String CA_CERTIFICATE = "ca.crt";
    public static final String CA_KEY = "ca.key";

    public Path trustedCertificates() {
        return dir.resolve(CA_CERTIFICATE);
    }

    public Path certificateChain() {
        return dir.resolve(PeerIdentity.roleName(role) + ".crt");
    }

    public Path privateKey() {
        return dir.resolve(PeerIdentity.roleName(role) + ".key");
    }
}
