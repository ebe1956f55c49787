package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LabTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connecting side checks whom it reached (issue 15), end to end with daemons as processes and certificates of one
 * lab CA: a tap whose source gateway presents a certificate of another pair, or a source gateway whose target does,
 * closes the connection before its HELLO, logs the peer's certificate subject, counts it in
 * {@code datamover_tls_refused_total{link,reason="tls-identity"}} and retries; nothing is journaled or replicated.
 */
class PeerCertificateCheckTest {
    private static final long DISK = 64L << 20;
    private static final String OTHER_PAIR = "other-pair";

    @TempDir
    Path base;

    @Test
    void aSourceGatewayRefusesATargetWhoseCertificateIsOfAnotherPair() throws Exception {
        try (ReplicationSite site = new ReplicationSite(base, DISK, "2M")) {
            site.target().extraArgs("--tls-dir", LabTls.dir(OTHER_PAIR, 1).toString());
            site.start();

            awaitRefusedAndRetried(site.sourceAdmin(), "target", site.source(), "CN=target-gateway " + OTHER_PAIR);
            assertThat(site.replicaDir().resolve("cg-1")).doesNotExist();
            FaultAwaits.until(FaultAwaits.DEADLINE, "the tap streaming to its source gateway (that link is fine)",
                    () -> site.tapStatus().state().equals("STREAMING"));
        }
    }

    @Test
    void aTapRefusesASourceGatewayWhoseCertificateIsOfAnotherPair() throws Exception {
        try (ReplicationSite site = new ReplicationSite(base, DISK, "2M")) {
            site.source().extraArgs("--tls-dir", LabTls.dir(OTHER_PAIR, 1).toString());
            site.start();

            awaitRefusedAndRetried(site.tapAdmin(), "gateway", site.tap(), "CN=source-gateway " + OTHER_PAIR);
            try (Stream<Path> groups = Files.list(site.sourceDataDir())) {
                assertThat(groups.filter(dir -> dir.getFileName().toString().startsWith("cg-")))
                        .as("groups journaled").isEmpty();
            }
        }
    }

    /** The dialing daemon refused its peer's identity twice (so it retried) and logged the peer's subject. */
    private static void awaitRefusedAndRetried(String admin, String link, DaemonProcess dialer, String subject)
            throws Exception {
        FaultAwaits.atLeast(FaultAwaits.DEADLINE, "peers refused on link " + link, () -> AdminMetrics.sum(admin,
                "datamover_tls_refused_total", "link=\"" + link + "\"", "reason=\"tls-identity\""), 2);
        assertThat(dialer.log()).contains(subject);
    }
}
