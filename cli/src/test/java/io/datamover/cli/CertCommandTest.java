package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.Role;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.PeerIdentity;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code datamover cert}: real files, checked by openssl and read back as the daemons read them. */
class CertCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void writesACaAndCertificatesThatOpensslVerifiesWithTheIdentityUri() throws Exception {
        Path ca = tmp.resolve("ca");
        Path tls = tmp.resolve("tls-tap");
        assertThat(run("cert", "create-ca", "--dir", ca.toString())).as(err.toString()).isZero();
        assertThat(run("cert", "create", "--dir", ca.toString(), "--role", "tap", "--pair", "site-a", "--cg", "2",
                "--cg", "1", "--host", "localhost", "--host", "127.0.0.1", "--out", tls.toString()))
                .as(err.toString()).isZero();
        assertThat(run("cert", "create", "--dir", ca.toString(), "--role", "source-gateway", "--pair", "site-a",
                "--host", "src-gw.example.net")).as(err.toString()).isZero();

        assertThat(out.toString()).contains("wrote " + tls.resolve("tap.crt"), "wrote " + tls.resolve("tap.key"),
                "identity: datamover:/pair/site-a/role/tap/cg/1,2",
                "identity: datamover:/pair/site-a/role/source-gateway");
        for (Path key : List.of(ca.resolve("ca.key"), tls.resolve("tap.key"), ca.resolve("source-gateway.key"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString())
                    .isEqualTo("rw-------");
        }
        for (Path cert : List.of(tls.resolve("tap.crt"), ca.resolve("source-gateway.crt"))) {
            assertThat(openssl("verify", "-CAfile", ca.resolve("ca.crt").toString(), cert.toString()))
                    .isEqualTo(cert + ": OK\n");
        }
        assertThat(openssl("x509", "-text", "-noout", "-in", tls.resolve("tap.crt").toString()))
                .contains("URI:datamover:/pair/site-a/role/tap/cg/1,2", "DNS:localhost", "IP Address:127.0.0.1");
        assertThat(PeerIdentity.of(certificate(ca.resolve("source-gateway.crt"))))
                .isEqualTo(PeerIdentity.gateway(Role.SOURCE_GATEWAY, "site-a"));
    }

    @Test
    void anExistingCaIsReplacedOnlyWithOverwrite() throws Exception {
        Path ca = tmp.resolve("ca");
        assertThat(run("cert", "create-ca", "--dir", ca.toString(), "--name", "lab one")).isZero();
        byte[] first = Files.readAllBytes(ca.resolve("ca.key"));

        assertThat(run("cert", "create-ca", "--dir", ca.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(ca.resolve("ca.key") + " exists already", "--overwrite");
        assertThat(Files.readAllBytes(ca.resolve("ca.key"))).isEqualTo(first);

        assertThat(run("cert", "create-ca", "--dir", ca.toString(), "--overwrite")).isZero();
        assertThat(Files.readAllBytes(ca.resolve("ca.key"))).isNotEqualTo(first);
    }

    @Test
    void badInputExitsWithStatusTwoAndWritesNothing() throws Exception {
        Path ca = tmp.resolve("ca");
        Path outDir = tmp.resolve("out");
        assertThat(run("cert", "create", "--dir", ca.toString(), "--role", "tap", "--pair", "p", "--cg", "1",
                "--host", "h", "--out", outDir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no CA in " + ca, "ca.crt is missing", "create-ca");

        assertThat(run("cert", "create-ca", "--dir", ca.toString())).isZero();
        assertRefused("unknown role 'admin'", "--role", "admin", "--pair", "p", "--host", "h");
        assertRefused("a tap certificate needs at least one --cg", "--role", "tap", "--pair", "p", "--host", "h");
        assertRefused("--cg is for tap certificates only", "--role", "target-gateway", "--pair", "p", "--cg", "1",
                "--host", "h");
        assertRefused("--cg must be a consistency group id", "--role", "tap", "--pair", "p", "--cg", "x",
                "--host", "h");
        assertRefused("--days must be at least 1", "--role", "tap", "--pair", "p", "--cg", "1", "--host", "h",
                "--days", "0");
        assertThat(outDir).doesNotExist();
    }

    @Test
    void theHelpsOpensslRecipeMakesACertificateTheDaemonsRead() throws Exception {
        assertThat(run("cert", "--help")).isZero();
        assertThat(out.toString()).contains("datamover:/pair/PAIR/role/tap/cg/N", "ca.crt", "ROLE.key",
                "subjectAltName=URI:datamover:/pair/P/role/source-gateway,DNS:src-gw");
        Path dir = tmp.resolve("byo");
        Files.createDirectories(dir);
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                dir.resolve("ca.key").toString(), "-out", dir.resolve("ca.crt").toString(), "-days", "30", "-subj",
                "/CN=my CA");
        // The recipe as the help prints it.
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                dir.resolve("source-gateway.key").toString(), "-subj", "/CN=source-gateway P", "-addext",
                "subjectAltName=URI:datamover:/pair/P/role/source-gateway,DNS:src-gw", "-addext",
                "extendedKeyUsage=serverAuth,clientAuth", "-out", dir.resolve("source-gateway.csr").toString());
        openssl("x509", "-req", "-in", dir.resolve("source-gateway.csr").toString(), "-CA",
                dir.resolve("ca.crt").toString(), "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial",
                "-days", "365", "-copy_extensions", "copy", "-out", dir.resolve("source-gateway.crt").toString());

        X509Certificate cert = certificate(dir.resolve("source-gateway.crt"));
        cert.verify(certificate(dir.resolve("ca.crt")).getPublicKey());
        assertThat(PeerIdentity.of(cert)).isEqualTo(PeerIdentity.gateway(Role.SOURCE_GATEWAY, "P"));
        assertThat(CertificateAuthority.readPrivateKey(dir.resolve("source-gateway.key")).getAlgorithm())
                .isEqualTo("EC");
    }

    /** {@code cert create} with the lab CA, {@code args} and an output directory: refused with {@code message}. */
    private void assertRefused(String message, String... args) {
        err.getBuffer().setLength(0);
        List<String> command = new ArrayList<>(List.of("cert", "create", "--dir", tmp.resolve("ca").toString(),
                "--out", tmp.resolve("out").toString()));
        command.addAll(List.of(args));
        assertThat(run(command.toArray(String[]::new))).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains(message);
    }

    private static X509Certificate certificate(Path file) throws IOException {
        return CertificateAuthority.readCertificates(file).get(0);
    }

    /** Runs openssl; its standard output, or an AssertionError with its messages when it fails. */
    private static String openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }

    private int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
