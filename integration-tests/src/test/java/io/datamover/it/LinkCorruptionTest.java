package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.link.LinkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end integrity under bytes damaged above TCP between the gateways (where TCP's checksum cannot see it):
 * a damaged batch is refused by the target (CRC_MISMATCH: a log line and {@code datamover.target.rejected}),
 * nothing of it is spooled or applied, the source reconnects and sends it again; a damaged ack is refused by the
 * source the same way. The replica converges to the source, holding every acknowledged write. These run the pair in
 * plaintext, as the frames' own checks are their point; with TLS (the last test) its record MAC refuses the damage
 * first, and the link is made again the same way.
 */
class LinkCorruptionTest {
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;

    @TempDir
    Path base;

    @Test
    void aDamagedBatchIsRefusedNeverAppliedAndSentAgain() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 11, ReplicationSite::insecurePlaintext)) {
            ReplicationSite site = pair.site;
            // A few bytes of the batches in flight, one in about 64 KiB, as a bad NIC would.
            site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, Duration.ofSeconds(30), 64 << 10,
                    3, 7));
            FaultAwaits.atLeast(DEADLINE, "bytes of batches damaged", () -> site.link().upstreamBytesCorrupted(), 3);
            FaultAwaits.atLeast(DEADLINE, "batches the target refused with CRC_MISMATCH", () -> AdminMetrics.sum(
                    site.targetAdmin(), "datamover_target_rejected_total", "code=\"CRC_MISMATCH\""), 1);
            assertThat(Files.readString(base.resolve("target.log"))).contains("CRC_MISMATCH");
            FaultAwaits.atLeast(DEADLINE, "source reconnects", () -> AdminMetrics.sum(site.sourceAdmin(),
                    "datamover_source_reconnects_total"), 1);

            // Nothing of a damaged batch reached the replica or the spool: what the target holds is a prefix.
            site.killTarget();
            TargetDownCheck.Result check = TargetDownCheck.run(site, pair.guest, pair.initial,
                    Files.createDirectories(base.resolve("check")));
            assertThat(check.outcome()).as(check.detail()).isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
            site.startTarget();

            pair.keepsWriting();
            pair.converges();
        }
    }

    @Test
    void aDamagedAckIsRefusedByTheSourceWhichSendsAgain() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 12, ReplicationSite::insecurePlaintext)) {
            ReplicationSite site = pair.site;
            // Acks are small frames: one byte in about 200 hits several of them.
            site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.DOWNSTREAM, Duration.ofSeconds(30), 200, 3,
                    8));
            FaultAwaits.atLeast(DEADLINE, "bytes of acks damaged", () -> site.link().downstreamBytesCorrupted(), 3);
            FaultAwaits.atLeast(DEADLINE, "frames from the target the source refused", () -> AdminMetrics.sum(
                    site.sourceAdmin(), "datamover_source_ship_errors_total", "origin=\"local\""), 1);
            FaultAwaits.atLeast(DEADLINE, "source reconnects", () -> AdminMetrics.sum(site.sourceAdmin(),
                    "datamover_source_reconnects_total"), 1);

            pair.keepsWriting();
            pair.converges();
        }
    }

    @Test
    void underTlsADamagedRecordIsRefusedByItsMacAndTheBatchSentAgain() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 13)) {
            ReplicationSite site = pair.site;
            site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, Duration.ofSeconds(30), 64 << 10,
                    3, 9));
            FaultAwaits.atLeast(DEADLINE, "bytes of batches damaged", () -> site.link().upstreamBytesCorrupted(), 3);
            FaultAwaits.atLeast(DEADLINE, "source reconnects", () -> AdminMetrics.sum(site.sourceAdmin(),
                    "datamover_source_reconnects_total"), 1);
            assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_target_rejected_total",
                    "code=\"CRC_MISMATCH\"")).as("no damaged frame got past TLS").isZero();

            pair.keepsWriting();
            pair.converges();
        }
    }
}
