package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LabTls;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.TlsFiles;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation without a restart (issue 15): while a guest writes through a real pair (daemons as processes,
 * mutual TLS with lab certificates), the source gateway's certificate is renewed on disk and the gateway gets SIGHUP.
 * A new connection to it is served the new certificate (its serial), the tap's running connection goes on (no
 * reconnect), metrics and status show the new certificate, and the replica converges.
 */
class CertificateRotationTest {
    private static final String PAIR = "default";
    private static final int CG = 1;

    @TempDir
    Path base;

    @Test
    void aRenewedCertificateAndSighupServeNewConnectionsWhileTheRunningOneKeepsStreaming() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 47)) {
            ReplicationSite site = pair.site;
            Path tls = LabTls.dir(PAIR, CG);
            BigInteger before = servedSerial(site.sourcePort(), tls);
            double tapReconnects = AdminMetrics.sum(site.tapAdmin(), "datamover_sender_reconnects_total");

            X509Certificate renewed = LabTls.renew(tls, Role.SOURCE_GATEWAY, PAIR, CG);
            Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(site.source().pid())).inheritIO().start();
            assertThat(hup.waitFor()).isZero();

            FaultAwaits.until(FaultAwaits.DEADLINE, "the new certificate served",
                    () -> servedSerial(site.sourcePort(), tls).equals(renewed.getSerialNumber()));
            assertThat(renewed.getSerialNumber()).isNotEqualTo(before);
            pair.keepsWriting();
            assertThat(AdminMetrics.sum(site.tapAdmin(), "datamover_sender_reconnects_total"))
                    .as("the tap's connection was not disturbed").isEqualTo(tapReconnects);
            assertThat(site.source().log()).contains("reloaded (SIGHUP)");
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_tls_reloads_total")).isGreaterThanOrEqualTo(1);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_tls_certificate_expiry_seconds",
                    "certificate=\"daemon\"")).as("the renewed certificate's 30 days")
                    .isBetween(29 * 86_400.0, 30 * 86_400.0);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_insecure_plaintext")).isZero();
            assertThat(AdminStatus.json(site.sourceAdmin())).contains("\"transport\":{\"mode\":\"TLS\"",
                    "\"serial\":\"" + renewed.getSerialNumber().toString(16) + "\"");
            pair.converges();
        }
    }

    /** The serial of the certificate the gateway on {@code port} presents to a new tap connection. */
    private static BigInteger servedSerial(int port, Path tlsDir) throws Exception {
        TlsFiles tap = new TlsFiles(tlsDir, Role.TAP);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("tap", CertificateAuthority.readPrivateKey(tap.privateKey()), new char[0],
                CertificateAuthority.readCertificates(tap.certificateChain()).toArray(Certificate[]::new));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int i = 0;
        for (X509Certificate ca : CertificateAuthority.readCertificates(tap.trustedCertificates())) {
            trusted.setCertificateEntry("ca" + i++, ca);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keyManagers.getKeyManagers(), trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
