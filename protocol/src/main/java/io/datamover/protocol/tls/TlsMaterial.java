package io.datamover.protocol.tls;

import io.datamover.disk.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * The PEM files of a {@link TlsFiles} directory, read and checked the way a daemon needs them before it serves:
 * every file there and readable, the private key readable by its owner only, this daemon's certificate valid now and
 * carrying an identity of this daemon's role, and the key belonging to the certificate. Each failure is a
 * {@link TlsSetupException} naming the file and what to do.
 *
 * @param trusted the certificates of {@code ca.crt}: the only ones a peer's certificate may chain to
 * @param chain this daemon's certificate, then any intermediates
 * @param identity what this daemon's certificate proves
 */
public record TlsMaterial(TlsFiles files, List<X509Certificate> trusted, List<X509Certificate> chain, PrivateKey key,
        PeerIdentity identity) {

    public TlsMaterial {
        trusted = List.copyOf(trusted);
        chain = List.copyOf(chain);
    }

    /** Reads and checks the files of {@code files} as of {@code now}. */
    public static TlsMaterial load(TlsFiles files, Instant now) throws TlsSetupException {
        Path caFile = requireReadable(files.trustedCertificates());
        Path certFile = requireReadable(files.certificateChain());
        Path keyFile = requireReadable(files.privateKey());
        requireOwnerOnly(keyFile);
        List<X509Certificate> trusted = certificates(caFile);
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key;
        try {
            key = CertificateAuthority.readPrivateKey(keyFile);
        } catch (IOException e) {
            throw new TlsSetupException(keyFile + ": " + e.getMessage(), e);
        }
        X509Certificate own = chain.get(0);
        requireValid(certFile, own, now);
        PeerIdentity identity;
        try {
            identity = PeerIdentity.of(own);
        } catch (IllegalArgumentException e) {
            throw new TlsSetupException(certFile + ": " + e.getMessage() + " (make one with 'datamover cert create')");
        }
        if (identity.role() != files.role()) {
            throw new TlsSetupException(certFile + ": the certificate is a " + PeerIdentity.roleName(identity.role())
                    + "'s (" + identity.toUri() + "), this daemon is a " + PeerIdentity.roleName(files.role()));
        }
        requireKeyOf(keyFile, key, certFile, own);
        return new TlsMaterial(files, trusted, chain, key, identity);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The earliest end of validity among the trusted CA certificates. */
    public Instant caNotAfter() {
        return trusted.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElseThrow();
    }

    private static Path requireReadable(Path file) throws TlsSetupException {
        if (!Files.exists(file)) {
            throw new TlsSetupException(file + " is missing (make the files with 'datamover cert create-ca' and"
                    + " 'datamover cert create', or put your own CA's PEM files there)");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new TlsSetupException(file + " is not a file this user can read");
        }
        return file;
    }

    private static void requireOwnerOnly(Path keyFile) throws TlsSetupException {
        Optional<String> open;
        try {
            open = PrivateFiles.openBeyondOwner(keyFile);
        } catch (IOException e) {
            throw new TlsSetupException(keyFile + ": cannot read its mode: " + e.getMessage(), e);
        }
        if (open.isPresent()) {
            throw new TlsSetupException(keyFile + " is readable by group or others (mode " + open.get()
                    + "): a private key must be its owner's only; run: chmod 600 " + keyFile);
        }
    }

    private static List<X509Certificate> certificates(Path file) throws TlsSetupException {
        List<X509Certificate> certs;
        try {
            certs = CertificateAuthority.readCertificates(file);
        } catch (IOException e) {
            throw new TlsSetupException(e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new TlsSetupException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    private static void requireValid(Path file, X509Certificate cert, Instant now) throws TlsSetupException {
        try {
            cert.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            boolean expired = e instanceof CertificateExpiredException;
            throw new TlsSetupException(file + ": the certificate " + (expired ? "expired" : "is not valid yet")
                    + ": valid from " + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant()
                    + ", now is " + now + (expired ? " (issue a new one: 'datamover cert create')" : " (check the clock)"));
        }
    }

    /** A signature made with the key and checked with the certificate: a mismatch fails here, not in handshakes. */
    private static void requireKeyOf(Path keyFile, PrivateKey key, Path certFile, X509Certificate cert)
            throws TlsSetupException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's: the same mismatch
        }
        throw new TlsSetupException(keyFile + " is not the private key of the certificate in " + certFile);
    }
}
