package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.link.LinkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end integrity under bytes damaged above TCP between the gateways (where TCP's checksum cannot see it):
 * a damaged batch is refused by the target (CRC_MISMATCH: a log line and {@code datamover.target.rejected}),
 * nothing of it is spooled or applied, the source reconnects and sends it again; a damaged ack is refused by the
 * source the same way. The replica converges to the source, holding every acknowledged write.
 */
class LinkCorruptionTest {
    private static final long DISK = 64L << 20;
    private static final long GUEST_BYTES_PER_SECOND = 2L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration CONVERGE_DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path base;

    @Test
    void aDamagedBatchIsRefusedNeverAppliedAndSentAgain() throws Exception {
        Path initial = Disks.sparse(base.resolve("initial.img"), DISK);
        try (ReplicationSite site = new ReplicationSite(base, DISK, "2M").start();
                CampaignWorkload guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK,
                        GUEST_BYTES_PER_SECOND, 11).start()) {
            guest.awaitWrites(0, 20, DEADLINE);
            awaitReplicating(site);
            // A few bytes of the batches in flight, one in about 64 KiB, as a bad NIC would.
            site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, Duration.ofSeconds(30), 64 << 10,
                    3, 7));
            awaitAtLeast(DEADLINE, "bytes of batches damaged", () -> site.link().upstreamBytesCorrupted(), 3);
            awaitAtLeast(DEADLINE, "batches the target refused with CRC_MISMATCH", () -> AdminMetrics.sum(
                    site.targetAdmin(), "datamover_target_rejected_total", "code=\"CRC_MISMATCH\""), 1);
            assertThat(Files.readString(base.resolve("target.log"))).contains("CRC_MISMATCH");
            awaitAtLeast(DEADLINE, "source reconnects", () -> AdminMetrics.sum(site.sourceAdmin(),
                    "datamover_source_reconnects_total"), 1);

            // Nothing of a damaged batch reached the replica or the spool: what the target holds is a prefix.
            site.killTarget();
            TargetDownCheck.Result check = TargetDownCheck.run(site, guest, initial,
                    Files.createDirectories(base.resolve("check")));
            assertThat(check.outcome()).as(check.detail()).isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
            site.startTarget();

            guest.awaitWrites(guest.log().size(), 20, DEADLINE);
            assertConverges(site, guest, initial);
        }
    }

    @Test
    void aDamagedAckIsRefusedByTheSourceWhichSendsAgain() throws Exception {
        Path initial = Disks.sparse(base.resolve("initial.img"), DISK);
        try (ReplicationSite site = new ReplicationSite(base, DISK, "2M").start();
                CampaignWorkload guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK,
                        GUEST_BYTES_PER_SECOND, 12).start()) {
            guest.awaitWrites(0, 20, DEADLINE);
            awaitReplicating(site);
            // Acks are small frames: one byte in about 200 hits several of them.
            site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.DOWNSTREAM, Duration.ofSeconds(30), 200, 3,
                    8));
            awaitAtLeast(DEADLINE, "bytes of acks damaged", () -> site.link().downstreamBytesCorrupted(), 3);
            awaitAtLeast(DEADLINE, "frames from the target the source refused", () -> AdminMetrics.sum(
                    site.sourceAdmin(), "datamover_source_ship_errors_total", "origin=\"local\""), 1);
            awaitAtLeast(DEADLINE, "source reconnects", () -> AdminMetrics.sum(site.sourceAdmin(),
                    "datamover_source_reconnects_total"), 1);

            guest.awaitWrites(guest.log().size(), 20, DEADLINE);
            assertConverges(site, guest, initial);
        }
    }

    /** The target has applied batches and its replica is UP_TO_DATE (the skipped initial sync is through). */
    static void awaitReplicating(ReplicationSite site) throws Exception {
        awaitAtLeast(DEADLINE, "target UP_TO_DATE with batches applied", () -> {
            AdminStatus target = site.targetStatus();
            return target != null && target.state().equals("UP_TO_DATE") && target.appliedSeq() != null
                    && target.appliedSeq() > 0 ? 1 : 0;
        }, 1);
    }

    private static void assertConverges(ReplicationSite site, CampaignWorkload guest, Path initial) throws Exception {
        guest.close();
        guest.checkHealthy();
        assertThat(ConvergenceCheck.await(site, CONVERGE_DEADLINE)).as(() -> {
            try {
                return "converged; tap " + site.tapStatus() + ", target " + site.targetStatus() + "\n"
                        + site.logTails();
            } catch (Exception e) {
                return e.toString();
            }
        }).isTrue();
        assertThat(ConvergenceCheck.divergences(site, initial, guest.log().snapshot())).isEmpty();
    }

    @FunctionalInterface
    interface Reading {
        double read() throws Exception;
    }

    static void awaitAtLeast(Duration deadline, String what, Reading reading, double atLeast) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        double value;
        while ((value = reading.read()) < atLeast) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": " + value + " after " + deadline.toSeconds() + " s, expected at"
                        + " least " + atLeast);
            }
            Thread.sleep(50); // polling with a deadline
        }
    }
}
