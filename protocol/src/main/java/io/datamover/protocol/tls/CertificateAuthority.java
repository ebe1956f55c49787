package io.datamover.protocol.tls;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for labs, demos and tests ({@code datamover cert}): ECDSA P-256 keys, a
 * self-signed CA, and daemon certificates that carry a {@link PeerIdentity} URI plus the host names and
 * addresses peers dial. Production may use any CA instead; the daemons only need the PEM files of
 * {@link TlsFiles}. Time comes from the given clock so tests can issue expired or not-yet-valid certificates.
 */
public final class CertificateAuthority {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** A new self-signed CA named {@code commonName}, valid from the clock's now for {@code validity}. */
    public static CertificateAuthority create(String commonName, Duration validity, Clock clock) {
        KeyPair pair = newKeyPair();
        X500Principal name = new X500Principal("CN=" + commonName + ", O=datamover");
        try {
            JcaX509v3CertificateBuilder builder = builder(name, name, pair, validity, clock);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    utils.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA kept in {@code dir} ({@link TlsFiles#CA_CERTIFICATE}, {@link TlsFiles#CA_KEY}). */
    public static CertificateAuthority load(Path dir) throws IOException {
        List<X509Certificate> certs = readCertificates(dir.resolve(TlsFiles.CA_CERTIFICATE));
        if (certs.isEmpty()) {
            throw new IOException(dir.resolve(TlsFiles.CA_CERTIFICATE) + " holds no certificate");
        }
        return new CertificateAuthority(certs.get(0), readPrivateKey(dir.resolve(TlsFiles.CA_KEY)));
    }

    /** Writes ca.crt (mode 0644) and ca.key (0600) into {@code dir}. */
    public void writeTo(Path dir) throws IOException {
        Pem.writePublic(dir.resolve(TlsFiles.CA_CERTIFICATE), Pem.certificates(List.of(certificate)));
        Pem.writePrivate(dir.resolve(TlsFiles.CA_KEY), Pem.privateKey(key));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A certificate for {@code identity}, valid from the clock's now for {@code validity}, naming {@code hosts}
     * (DNS names or IP addresses) as subject alternative names, usable as TLS server and client.
     */
    public Issued issue(PeerIdentity identity, List<String> hosts, Duration validity, Clock clock) {
        KeyPair pair = newKeyPair();
        X500Principal subject = new X500Principal("CN=" + PeerIdentity.roleName(identity.role()) + " "
                + identity.pairId() + ", O=datamover");
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toUri()));
        for (String host : hosts) {
            names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
        }
        try {
            JcaX509v3CertificateBuilder builder = builder(certificate.getSubjectX500Principal(), subject, pair, validity,
                    clock);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(certificate));
            return new Issued(sign(builder, key), pair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
        }
    }

    /** An issued certificate and its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        /** Writes {@link TlsFiles#certificateChain()} (0644) and {@link TlsFiles#privateKey()} (0600). */
        public void writeTo(TlsFiles files) throws IOException {
            Pem.writePublic(files.certificateChain(), Pem.certificates(List.of(certificate)));
            Pem.writePrivate(files.privateKey(), Pem.privateKey(key));
        }
    }

    /** Every certificate in a PEM file, in order. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : Pem.blocks(Files.readString(file), "CERTIFICATE")) {
                certs.add((X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a PEM certificate: " + e.getMessage(), e);
        }
        return certs;
    }

    /** The PKCS#8 private key in a PEM file ("BEGIN PRIVATE KEY"; EC or RSA). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        List<byte[]> blocks = Pem.blocks(Files.readString(file), "PRIVATE KEY");
        if (blocks.size() != 1) {
            throw new IOException(file + ": expected one PKCS#8 'PRIVATE KEY' PEM block, found " + blocks.size()
                    + " (convert with: openssl pkcs8 -topk8 -nocrypt)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(blocks.get(0));
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException(file + ": a private key of an unsupported algorithm (EC, RSA and Ed25519 are read)");
    }

    private static JcaX509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, KeyPair pair,
            Duration validity, Clock clock) {
        Instant from = clock.instant();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                Date.from(from), Date.from(from.plus(validity)), subject, pair.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator in this JDK", e);
        }
    }

    private static boolean isAddress(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /** PEM text: base64 DER between BEGIN and END lines. */
    static final class Pem {
        private Pem() {}

        static String certificates(List<X509Certificate> certs) throws IOException {
            StringBuilder out = new StringBuilder();
            for (X509Certificate c : certs) {
                try {
                    out.append(block("CERTIFICATE", c.getEncoded()));
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot encode a certificate", e);
                }
            }
            return out.toString();
        }

        static String privateKey(PrivateKey key) {
            return block("PRIVATE KEY", key.getEncoded());
        }

        static List<byte[]> blocks(String text, String type) {
            List<byte[]> out = new ArrayList<>();
            Matcher m = PEM_BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals(type)) {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                }
            }
            return out;
        }

        private static String block(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }

        /**
         * Replaces {@code file} whole and durably (a temporary file synced and renamed over it), so a daemon reloading
         * its files on a change never reads half of one, nor an empty one after a crash.
         */
        static void writePublic(Path file, String text) throws IOException {
            DurableFiles.replaceReadable(file, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        }

        /** Replaced whole and durably, created 0600 before any byte is written: never readable by others. */
        static void writePrivate(Path file, String text) throws IOException {
            DurableFiles.replace(file, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        }
    }
}
