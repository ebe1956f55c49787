package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    private static final int TMPFS_MIB = 96;
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;

    @TempDir
    Path base;

    @Test
    void aFullReplicaDiskStopsApplyingVisiblyAndResumesOnceSpaceIsFreed() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(base.resolve("replicas"), TMPFS_MIB);
                ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 21)) {
            ReplicationSite site = pair.site;
            tmpfs.fill();
            FaultAwaits.atLeast(DEADLINE, "target apply failures", () -> AdminMetrics.sum(site.targetAdmin(),
                    "datamover_target_apply_failures_total"), 1);
            String status = AdminStatus.json(site.targetAdmin());
            assertThat(status).as("status while the disk is full").contains("No space left on device")
                    .doesNotContain("\"state\":\"UP_TO_DATE\"");
            assertThat(Files.readString(base.resolve("target.log"))).contains("No space left on device");
            long stuckAt = site.targetStatus().appliedSeq();
            pair.keepsWriting(); // the guest is never stalled
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
            pair.converges();
        }
    }
}
