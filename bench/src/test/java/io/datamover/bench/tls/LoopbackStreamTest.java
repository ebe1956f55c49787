package io.datamover.bench.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.Role;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TlsFiles;
import io.datamover.protocol.tls.TlsProvider;
import io.datamover.protocol.tls.TransportSecurity;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test of {@code bench tls-stream}'s stream: records arrive and CPU is read, in plaintext and over TLS. */
class LoopbackStreamTest {
    @TempDir
    Path dir;

    @Test
    void plaintextRecordsArriveAndTheirCostIsRead() throws Exception {
        assertMoves(TransportSecurity.insecurePlaintext(), TransportSecurity.insecurePlaintext());
    }

    @Test
    void recordsArriveOverMutualTlsWithTheJdkProvider() throws Exception {
        Path tls = LabCertificates.create(dir, "bench", List.of(1), LabCertificates.LOOPBACK);
        assertMoves(security(tls, Role.SOURCE_GATEWAY), security(tls, Role.TAP));
    }

    private static TransportSecurity security(Path tls, Role role) throws Exception {
        return TransportSecurity.tls(TlsContexts.load(new TlsFiles(tls, role), TlsProvider.JDK, Clock.systemUTC()));
    }

    private static void assertMoves(TransportSecurity server, TransportSecurity client) throws Exception {
        try (LoopbackStream stream = LoopbackStream.open(server, client, "bench", 64 << 10)) {
            // A cold JVM's TLS (the JDK's AES-GCM before C2 compiles it) can move nothing in one short window:
            // measure again until records arrive, up to a deadline, rather than asserting on one window's timing.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            LoopbackStream.Sample sample = stream.run(0.3);
            while (sample.bytes() == 0 && System.nanoTime() < deadline) {
                sample = stream.run(0.3);
            }
            assertThat(sample.bytes()).as("bytes that arrived within 60 s").isPositive();
            assertThat(sample.senderCpuNanos()).isPositive();
            assertThat(sample.receiverCpuNanos()).isPositive();
        }
    }
}
