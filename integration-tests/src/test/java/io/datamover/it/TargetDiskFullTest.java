package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target's replica file system full (ENOSPC) while a guest writes: the target stops applying with a clear
 * error (status last error, a log line, {@code datamover.target.apply.failures}), does not report the replica
 * UP_TO_DATE while a batch may be part written, applies nothing past what it could persist, and resumes on its own
 * once space is freed; the pair converges with every acknowledged write. The replica directory is a small tmpfs
 * (root needed; otherwise the test is aborted, not passed).
 */
class TargetDiskFullTest {
    private static final long DISK = 64L << 20;
    private static final int TMPFS_MIB = 96;
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;

    @TempDir
    Path base;

    @Test
    void aFullReplicaDiskStopsApplyingVisiblyAndResumesOnceSpaceIsFreed() throws Exception {
        Path initial = Disks.sparse(base.resolve("initial.img"), DISK);
        try (Tmpfs tmpfs = Tmpfs.mount(base.resolve("replicas"), TMPFS_MIB);
                ReplicationSite site = new ReplicationSite(base, DISK, "2M").start();
                CampaignWorkload guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK,
                        2L << 20, 21).start()) {
            guest.awaitWrites(0, 20, DEADLINE);
            FaultAwaits.replicating(site);

            tmpfs.fill();
            FaultAwaits.atLeast(DEADLINE, "target apply failures", () -> AdminMetrics.sum(site.targetAdmin(),
                    "datamover_target_apply_failures_total"), 1);
            String status = AdminStatus.json(site.targetAdmin());
            assertThat(status).as("status while the disk is full").contains("No space left on device")
                    .doesNotContain("\"state\":\"UP_TO_DATE\"");
            assertThat(Files.readString(base.resolve("target.log"))).contains("No space left on device");
            long stuckAt = site.targetStatus().appliedSeq();
            guest.awaitWrites(guest.log().size(), 20, DEADLINE); // the guest is never stalled
            FaultAwaits.atLeast(DEADLINE, "retries while the disk is full", () -> AdminMetrics.sum(
                    site.targetAdmin(), "datamover_target_apply_failures_total"), 2);
            AdminStatus stuck = site.targetStatus();
            assertThat(stuck.appliedSeq()).as("nothing applied on a full disk").isEqualTo(stuckAt);
            assertThat(stuck.state()).as("a batch may be part written").isNotEqualTo("UP_TO_DATE");

            tmpfs.free();
            FaultAwaits.until(DEADLINE, "applying again once space is freed", () -> {
                AdminStatus t = site.targetStatus();
                return t != null && t.appliedSeq() != null && t.appliedSeq() > stuckAt;
            });
            assertThat(AdminStatus.json(site.targetAdmin())).as("the error is cleared")
                    .doesNotContain("No space left on device");
            FaultAwaits.converges(site, guest, initial);
        }
    }
}
