package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LabTls;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.PeerIdentity;
import io.datamover.protocol.tls.TlsFiles;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue 15 scenario replayed against real daemons (processes, mutual TLS with lab certificates): while the real
 * source gateway is down, an attacker who reaches the target gateway's port tries to write into the UP_TO_DATE
 * replica, and to create a replica group of its own, with no certificate, a certificate of another CA, an expired
 * one, a source gateway's of another pair, a tap's of the right pair, and in plaintext. Each is refused (by the TLS
 * layer, or with an UNAUTHORIZED ERROR that says nothing about the pair) and counted by reason or code; nothing is
 * written or created. The real source gateway then resumes and the pair converges, with no divergence. The same,
 * briefly, at the source gateway's tap listener while the tap is down.
 */
class UnauthorizedPeersTest {
    private static final String PAIR = "default";
    private static final String OTHER_PAIR = "other-pair";
    private static final int CG = ReplicationSite.CG;
    private static final int NEW_CG = 9;
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(20);
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(0, ReplicationSite.EXPORT, ReplicatingGuest.DISK,
            4096));

    @TempDir
    Path base;

    @Test
    void noPeerWithoutItsPairsCertificateWritesWhileTheRealSenderIsDown() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 1515)) {
            ReplicationSite site = pair.site;
            site.stopSource(); // the attacker writes while the real source is down
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target's spool applied", () -> {
                AdminStatus target = site.targetStatus();
                return target != null && target.appliedSeq() != null && target.appliedSeq() == target.lastSeq();
            });
            attacksOnTheTargetAreRefused(site);

            site.startSource();
            pair.keepsWriting();
            pair.converges();
            assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_pair_diverged")).isZero();
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_pair_diverged")).isZero();
            assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_target_rejected_total", "code=\"DIVERGED\""))
                    .isZero();

            site.tap().close(); // SIGTERM: the attacker writes while the real tap is down
            FaultAwaits.until(FaultAwaits.DEADLINE, "the source gateway without its tap",
                    () -> site.sourceStatus() != null && !site.sourceStatus().state().equals("STREAMING"));
            attacksOnTheSourceAreRefused(site);
            site.startTap();
            FaultAwaits.until(FaultAwaits.DEADLINE, "the real tap streaming again",
                    () -> site.tapStatus() != null && site.tapStatus().state().equals("STREAMING"));
        }
    }

    private void attacksOnTheTargetAreRefused(ReplicationSite site) throws Exception {
        AdminStatus before = site.targetStatus();
        String replica = Disks.sha256(site.replica());
        List<String> groups = groupDirectories(site.replicaDir(), site.targetDataDir());
        assertThat(groups).as("the real group's directories").hasSize(2);
        double handshakes = listenerRefusals(site.targetAdmin(), "sources", "tls-handshake");
        double plaintext = listenerRefusals(site.targetAdmin(), "sources", "plaintext");
        double unauthorized = targetRejected(site, ErrorCode.UNAUTHORIZED);
        Path ours = LabTls.dir(PAIR, CG);
        CertificateAuthority labCa = CertificateAuthority.load(ours);

        // Refused by the TLS layer: no certificate, another CA's, an expired one of the right CA; plaintext.
        CertificateAuthority.Issued otherCa = LabCertificates.newAuthority().issue(
                PeerIdentity.gateway(Role.SOURCE_GATEWAY, PAIR), LabCertificates.LOOPBACK, Duration.ofDays(1),
                Clock.systemUTC());
        CertificateAuthority.Issued expired = labCa.issue(PeerIdentity.gateway(Role.SOURCE_GATEWAY, PAIR),
                LabCertificates.LOOPBACK, Duration.ofDays(1),
                Clock.fixed(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC));
        for (HostilePeer peer : List.of(HostilePeer.withoutCertificate(),
                HostilePeer.presenting(otherCa.certificate(), otherCa.key()),
                HostilePeer.presenting(expired.certificate(), expired.key()))) {
            assertThat(sourceWrites(peer, site, PAIR, CG, before.lastSeq() + 1)).as("frames to a refused handshake")
                    .isEmpty();
        }
        assertThat(sourceWrites(HostilePeer.plaintext(), site, PAIR, CG, before.lastSeq() + 1))
                .as("frames to a plaintext peer").isEmpty();
        awaitCount("TLS handshakes refused", () -> listenerRefusals(site.targetAdmin(), "sources", "tls-handshake"),
                handshakes + 3);
        awaitCount("plaintext peers refused", () -> listenerRefusals(site.targetAdmin(), "sources", "plaintext"),
                plaintext + 1);

        // Through TLS, refused at the HELLO: a source gateway of another pair, a tap of this pair; for the real
        // group (the next seq, as the issue's attacker wrote) and for a new one.
        TlsFiles otherPairSource = new TlsFiles(LabTls.dir(OTHER_PAIR, CG), Role.SOURCE_GATEWAY);
        TlsFiles ourTap = new TlsFiles(ours, Role.TAP);
        int refusals = 0;
        for (TlsFiles files : List.of(otherPairSource, ourTap)) {
            String claimedPair = PeerIdentity.of(certificate(files)).pairId();
            for (int cg : List.of(CG, NEW_CG)) {
                HostilePeer peer = HostilePeer.presenting(certificate(files), key(files));
                assertUnauthorized(sourceWrites(peer, site, claimedPair, cg, nextSeq(before, cg)),
                        files.certificateChain() + " writing cg " + cg);
                refusals++;
            }
        }
        awaitCount("UNAUTHORIZED refusals", () -> targetRejected(site, ErrorCode.UNAUTHORIZED),
                unauthorized + refusals);

        assertThat(listenerRefusals(site.targetAdmin(), "sources", "tls-handshake")).isEqualTo(handshakes + 3);
        assertThat(targetRejected(site, ErrorCode.UNAUTHORIZED)).isEqualTo(unauthorized + refusals);
        assertThat(site.target().log()).as("refusals logged with the peer's certificate subject")
                .contains("with certificate 'CN=source-gateway " + OTHER_PAIR, "with certificate 'CN=tap " + PAIR);
        assertThat(Disks.sha256(site.replica())).as("the replica, written by no attacker").isEqualTo(replica);
        assertThat(groupDirectories(site.replicaDir(), site.targetDataDir())).as("no group created").isEqualTo(groups);
        AdminStatus after = site.targetStatus();
        assertThat(after).isEqualTo(before);
        assertThat(after.state()).isEqualTo("UP_TO_DATE");
    }

    private void attacksOnTheSourceAreRefused(ReplicationSite site) throws Exception {
        AdminStatus before = site.sourceStatus();
        List<String> groups = groupDirectories(site.sourceDataDir());
        double unauthorized = sourceRejected(site, ErrorCode.UNAUTHORIZED);
        // A tap of this pair for another group writes the real one or a new one; a tap of another pair, its own
        // certificate naming the group it writes, does the same.
        TlsFiles otherGroupsTap = new TlsFiles(LabTls.dir(PAIR, NEW_CG + 1), Role.TAP);
        int refusals = 0;
        for (int cg : List.of(CG, NEW_CG)) {
            assertUnauthorized(tapWrites(HostilePeer.presenting(certificate(otherGroupsTap), key(otherGroupsTap)),
                    site, PAIR, cg, nextSeq(before, cg)), "cg " + (NEW_CG + 1) + "'s tap writing cg " + cg);
            TlsFiles otherPairsTap = new TlsFiles(LabTls.dir(OTHER_PAIR, cg), Role.TAP);
            assertUnauthorized(tapWrites(HostilePeer.presenting(certificate(otherPairsTap), key(otherPairsTap)),
                    site, OTHER_PAIR, cg, nextSeq(before, cg)), OTHER_PAIR + "'s tap writing cg " + cg);
            refusals += 2;
        }
        awaitCount("UNAUTHORIZED taps", () -> sourceRejected(site, ErrorCode.UNAUTHORIZED), unauthorized + refusals);
        assertThat(site.source().log()).as("refusals logged with the peer's certificate subject")
                .contains("with certificate 'CN=tap " + OTHER_PAIR, "with certificate 'CN=tap " + PAIR);
        assertThat(groupDirectories(site.sourceDataDir())).as("no group journaled").isEqualTo(groups);
        assertThat(site.sourceStatus()).as("the real group's journal").isEqualTo(before);
    }

    /** A source gateway's HELLO for {@code cg}, and if accepted, a batch of one 4 KiB write at {@code seq}. */
    private static List<Frame> sourceWrites(HostilePeer peer, ReplicationSite site, String pair, int cg, long seq)
            throws Exception {
        try (peer) {
            Hello hello = Hello.of(Role.SOURCE_GATEWAY, "src-gw", pair, cg, "vm", DISKS)
                    .withGenerations(GenerationHistory.first(), seq);
            BlockWrite write = BlockWrite.data(seq, 0, 0, Unpooled.wrappedBuffer(attackersBlock()));
            BatchBodies.Body body;
            try {
                body = BatchBodies.build(List.of(write), false, ByteBufAllocator.DEFAULT);
            } finally {
                write.release();
            }
            return peer.send(site.targetPort(), hello, BatchBodies.frame(cg, seq, seq, 1, 1_000, 1_000, body))
                    .framesUntilClosed(REFUSED_WITHIN);
        }
    }

    /** A tap's HELLO for {@code cg}, and if accepted, one 4 KiB write at {@code seq}. */
    private static List<Frame> tapWrites(HostilePeer peer, ReplicationSite site, String pair, int cg, long seq)
            throws Exception {
        try (peer) {
            Hello hello = Hello.of(Role.TAP, "tap", pair, cg, "vm", DISKS);
            WriteRecord write = new WriteRecord(cg, 1_000, false,
                    BlockWrite.data(seq, 0, 0, Unpooled.wrappedBuffer(attackersBlock())));
            return peer.send(site.sourcePort(), hello, write).framesUntilClosed(REFUSED_WITHIN);
        }
    }

    /** The seq a write that gets through lands at: after the real group's last, or the first of a new group. */
    private static long nextSeq(AdminStatus realGroup, int cg) {
        return cg == CG ? realGroup.lastSeq() + 1 : 1;
    }

    private static byte[] attackersBlock() {
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 0xA5);
        return block;
    }

    /** The only frame is an UNAUTHORIZED ERROR that names neither this pair nor the one the peer claimed. */
    private static void assertUnauthorized(List<Frame> frames, String attempt) {
        assertThat(frames).as(attempt).hasSize(1).first().isInstanceOf(ErrorFrame.class);
        ErrorFrame error = (ErrorFrame) frames.get(0);
        assertThat(error.code()).as(attempt + ": " + error.message()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(error.message()).as(attempt).doesNotContain(PAIR).doesNotContain(OTHER_PAIR);
    }

    private static java.security.cert.X509Certificate certificate(TlsFiles files) throws IOException {
        return CertificateAuthority.readCertificates(files.certificateChain()).get(0);
    }

    private static java.security.PrivateKey key(TlsFiles files) throws IOException {
        return CertificateAuthority.readPrivateKey(files.privateKey());
    }

    private static double listenerRefusals(String admin, String listener, String reason) throws InterruptedException {
        return AdminMetrics.sum(admin, "datamover_listener_refused_total", "listener=\"" + listener + "\"",
                "reason=\"" + reason + "\"");
    }

    private static double targetRejected(ReplicationSite site, ErrorCode code) throws InterruptedException {
        return AdminMetrics.sum(site.targetAdmin(), "datamover_target_rejected_total", "code=\"" + code + "\"");
    }

    private static double sourceRejected(ReplicationSite site, ErrorCode code) throws InterruptedException {
        return AdminMetrics.sum(site.sourceAdmin(), "datamover_source_receiver_errors_total", "code=\"" + code + "\"",
                "origin=\"local\"");
    }

    private static void awaitCount(String what, FaultAwaits.Reading reading, double expected) throws Exception {
        FaultAwaits.atLeast(REFUSED_WITHIN, what, reading, expected);
    }

    /** The names of the consistency group directories in {@code dirs}, each prefixed with its parent's name. */
    private static List<String> groupDirectories(Path... dirs) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        for (Path dir : dirs) {
            try (Stream<Path> entries = Files.list(dir)) {
                entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cg-")).sorted()
                        .forEach(n -> names.add(dir.getFileName() + "/" + n));
            }
        }
        return names;
    }
}
