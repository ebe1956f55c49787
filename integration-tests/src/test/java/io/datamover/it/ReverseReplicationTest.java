package io.datamover.it;

import static io.datamover.it.FailoverTest.guest;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse replication end to end, the daemons as processes (docs/operations.md, "Reverse replication"): a two-disk
 * group is protected and written; the link goes down (the target gateway is killed) and the original site writes on,
 * into its source journal only; every daemon of the original site is killed; the recovery site fails over on its
 * stopped target's directories and writes through its tap. Then {@code datamover reverse} at each site (refused while
 * the original source gateway runs, idempotent), the recovery site's source gateway and the original site's target
 * gateway start, and the original disks converge to the recovery site's (SHA-256), stay thin, and receive only the
 * regions either side changed after the promoted seq.
 */
class ReverseReplicationTest {
    private static final long DISK = 32L << 20;
    private static final long MIB = 1 << 20;
    private static final int REGION = 64 * 1024;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void theOriginalDisksReceiveOnlyWhatEitherSiteChangedAfterThePromotedSeq() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("sys", DISK);
        sizes.put("data", DISK);
        try (ReversePair pair = new ReversePair(base, sizes)) {
            pair.protect();
            guest(pair.nbdPort(), "sys", "write -P 0x11 0 4M", "write -P 0x22 8M 1M");
            guest(pair.nbdPort(), "data", "write -P 0x33 1M 2M");
            pair.awaitForwardUpToDate(FaultAwaits.DEADLINE);
            // The tap heard that the target applied them (APPLIED_ACKS): it names no region the replica holds.
            ReversePair.awaitClean(pair.tapState(), "sys", 0);
            ReversePair.awaitClean(pair.tapState(), "data", 0);

            // The link goes down; the original site writes on: journaled there, never applied at the replica.
            pair.linkDown();
            guest(pair.nbdPort(), "sys", "write -P 0x77 20M 1M");
            guest(pair.nbdPort(), "data", "write -P 0x78 24M 1M");
            // Journaled there; the tap keeps their bits until the target applies them (APPLIED_ACKS), down to the
            // written regions once its activity log's extents cool.
            FaultAwaits.journaled(pair.tapAdmin());
            ReversePair.awaitClean(pair.tapState(), "sys", 16);
            ReversePair.awaitClean(pair.tapState(), "data", 16);
            pair.loseOriginalSite();

            String promotedSeq = pair.failover();
            pair.startRecoveryTap();
            guest(pair.recoveryNbd(), "sys", "write -P 0x55 12M 1M", "read -P 0x11 0 1M");
            guest(pair.recoveryNbd(), "data", "write -P 0x66 0 64k");
            // The activity log's extents cool: the bitmaps keep the written regions (and a new state directory's
            // first region), not their whole 4 MiB extents.
            ReversePair.awaitClean(pair.recoveryTapState(), "sys", 16 + 1);
            ReversePair.awaitClean(pair.recoveryTapState(), "data", 1);

            List<String> atOriginal = pair.reverseAtOriginal(promotedSeq);
            pair.startSource();
            ReplicationSite.CommandRun refused = pair.datamover(atOriginal);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("refused").contains("stop that source gateway first");
            pair.source().close();

            ReplicationSite.CommandRun prepared = pair.datamover(atOriginal);
            assertThat(prepared.exitCode()).as(prepared.output()).isZero();
            assertThat(prepared.output()).contains("the original disks are now the replica set")
                    .contains("(" + 2 * MIB + " bytes)");
            assertThat(pair.datamover(atOriginal).output()).contains("a replica set already");
            ReplicationSite.CommandRun seeded = pair.datamover(pair.reverseAtRecovery());
            assertThat(seeded.exitCode()).as(seeded.output()).isZero();
            assertThat(pair.datamover(pair.reverseAtRecovery()).output())
                    .contains("continues the promoted history already");

            pair.startReverseReplication();
            pair.awaitReverseUpToDate(Duration.ofMinutes(2));
            assertThat(pair.originalTarget().log())
                    .contains("the source discards the replica's data after seq " + promotedSeq);
            for (String disk : sizes.keySet()) {
                Path image = pair.originalReplica(disk);
                assertThat(Disks.sha256(image)).as(disk).isEqualTo(Disks.sha256(pair.promoted(disk)));
                assertThat(Disks.sha256(image)).as(disk + " is the original disk")
                        .isEqualTo(Disks.sha256(pair.disks().get(disk)));
                assertThat(Disks.allocatedBytes(image)).as(disk + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(pair.promoted(disk)));
            }
            double applied = pair.appliedAtOriginal();
            double wire = pair.receivedAtOriginal();
            long changed = MIB + REGION // the recovery site's writes
                    + 2 * MIB; // the original site's, never applied at the replica
            System.out.printf("reverse resync: %.0f bytes applied, %.0f bytes received, %d bytes changed (%.2fx)%n",
                    applied, wire, changed, applied / changed);
            assertThat(applied).as("bytes applied at the original site").isPositive()
                    .isLessThanOrEqualTo(1.1 * changed);
        }
    }
}
