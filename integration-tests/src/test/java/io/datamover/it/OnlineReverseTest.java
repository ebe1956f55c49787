package io.datamover.it;

import static io.datamover.it.FailoverTest.guest;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse replication's step at the recovery site through its running daemons, the daemons as processes
 * (docs/operations.md, "Reverse replication"): after a failover the recovery site's target gateway runs with the
 * promoted group and its source gateway runs with an empty data directory; {@code datamover reverse --target-admin
 * --reverse-source-admin} has the source gateway seed the group and open it with no restart (killed at a crash point
 * inside the seeding, it opens no half-seeded group after its restart, and the rerun continues; a second rerun
 * changes nothing), and the original disk converges to the recovery site's (SHA-256) receiving only the changed regions.
 */
class OnlineReverseTest {
    private static final long DISK = 32L << 20;
    private static final long MIB = 1 << 20;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void theRunningSourceGatewaySeedsAndOpensTheGroupAndTheOriginalDiskConverges() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReversePair pair = new ReversePair(base, Map.of("sys", DISK))) {
            pair.protect();
            guest(pair.nbdPort(), "sys", "write -P 0x11 0 4M");
            pair.awaitForwardUpToDate(FaultAwaits.DEADLINE);
            ReversePair.awaitClean(pair.tapState(), "sys", 0);
            pair.linkDown();
            pair.loseOriginalSite();

            String promotedSeq = pair.failover();
            pair.target().start(pair.targetPort()); // running again, the group PROMOTED
            pair.startRecoveryTap();
            guest(pair.recoveryNbd(), "sys", "write -P 0x55 12M 1M", "read -P 0x11 0 1M");
            ReversePair.awaitClean(pair.recoveryTapState(), "sys", 16 + 1);

            ReplicationSite.CommandRun prepared = pair.datamover(pair.reverseAtOriginal(promotedSeq));
            assertThat(prepared.exitCode()).as(prepared.output()).isZero();
            // The source gateway dies inside the seeding (its step 2/3): restarted, it opens no half-seeded group.
            pair.reverseSource().javaOptions(FailoverTest.armed(CrashPoint.Point.REVERSE_TAP_RESYNC_OWED));
            pair.startReverseReplication(() -> {
                pair.awaitReverseSourceAdmin();
                ReplicationSite.CommandRun crashed = pair.seedThroughRunningDaemons();
                assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(3);
                assertThat(pair.reverseSource().awaitExit(FaultAwaits.DEADLINE)).isEqualTo(CrashPoint.EXIT_STATUS);
                pair.reverseSource().close();
                pair.reverseSource().javaOptions("");
                pair.reverseSource().start(pair.reversePort());
                pair.awaitReverseSourceAdmin();
                assertThat(AdminStatus.json(pair.reverseSourceAdmin())).doesNotContain("{\"cg\":\"1\"");

                ReplicationSite.CommandRun seeded = pair.seedThroughRunningDaemons();
                assertThat(seeded.exitCode()).as(seeded.output()).isZero();
                assertThat(seeded.output()).contains("continues the promoted history from seq " + promotedSeq)
                        .contains("open in this source gateway");
                ReplicationSite.CommandRun again = pair.seedThroughRunningDaemons();
                assertThat(again.exitCode()).as(again.output()).isZero();
                assertThat(again.output()).contains("continues the promoted history already");
            });
            pair.awaitReverseUpToDate(Duration.ofMinutes(2));

            Path image = pair.originalReplica("sys");
            assertThat(Disks.sha256(image)).isEqualTo(Disks.sha256(pair.promoted("sys")));
            assertThat(Disks.sha256(image)).as("the original disk").isEqualTo(Disks.sha256(pair.disks().get("sys")));
            // The recovery site's 1 MiB, the original disk's first region (the original site wrote nothing past the
            // promoted seq) and the new recovery tap state directory's first region: not the disk.
            double applied = pair.appliedAtOriginal();
            System.out.printf("online reverse: %.0f bytes applied for %d bytes changed%n", applied, MIB);
            assertThat(applied).isPositive().isLessThanOrEqualTo(1.1 * (2 * MIB + 64 * 1024));

            // Failback's quiesce and drain through the running daemons: RPO 0 at seq S, then the recovery tap refuses
            // writes; the stopped-directory failback then finds nothing left to drain and fails back at that S.
            ReplicationSite.CommandRun quiesced = pair.quiesceForFailback();
            assertThat(quiesced.exitCode()).as(quiesced.output()).isZero();
            Matcher drained = Pattern.compile("RPO 0 at seq (\\d+)").matcher(quiesced.output());
            assertThat(drained.find()).as(quiesced.output()).isTrue();
            Tools.Result refused = Tools.run(Duration.ofSeconds(60), Tools.qemuIo("nbd://127.0.0.1:"
                    + pair.recoveryNbd() + "/sys", "write -P 0x66 16M 64k"));
            assertThat(refused.output()).contains("Operation not permitted");
            pair.recoveryTap().close();
            pair.reverseSource().close();
            pair.target().close();
            ReplicationSite.CommandRun failedBack = pair.failbackAtRecovery();
            assertThat(failedBack.exitCode()).as(failedBack.output()).isZero();
            assertThat(failedBack.output()).contains("failed back at the recovery site at seq " + drained.group(1));
            assertThat(Disks.sha256(image)).as("the original disk after the drain")
                    .isEqualTo(Disks.sha256(pair.promoted("sys")));
        }
    }
}
