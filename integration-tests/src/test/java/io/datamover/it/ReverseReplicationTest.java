package io.datamover.it;

import static io.datamover.it.FailoverTest.dirtyRegions;
import static io.datamover.it.FailoverTest.guest;
import static io.datamover.it.FailoverTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Duration COMMAND_DEADLINE = Duration.ofMinutes(2);
    private static final Pattern PROMOTED_SEQ = Pattern.compile("PROMOTED at seq (\\d+)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void theOriginalDisksReceiveOnlyWhatEitherSiteChangedAfterThePromotedSeq() throws Exception {
        Tools.assumeInstalled("qemu-io");
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        String targetAdmin = ReplicationSite.admin();
        String tapAdmin = ReplicationSite.admin();
        Path replicas = base.resolve("recovery/replicas");
        Path targetData = base.resolve("recovery/target-data");
        Path original = Files.createDirectories(base.resolve("original"));
        Map<String, Path> disks = Map.of("sys", Disks.sparse(original.resolve("sys.img"), DISK),
                "data", Disks.sparse(original.resolve("data.img"), DISK));
        Path tapState = original.resolve("tap-state");
        Path sourceData = original.resolve("source-data");
        DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", targetData.toString(), "--replica-dir",
                replicas.toString(), "--admin", targetAdmin);
        DaemonProcess source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                sourceData.toString(), "--admin", ReplicationSite.admin());
        DaemonProcess tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export",
                "sys=" + disks.get("sys"), "--export", "data=" + disks.get("data"), "--nbd", "127.0.0.1:" + nbdPort,
                "--gateway", "127.0.0.1:" + sourcePort, "--state-dir", tapState.toString(), "--initial-sync", "skip",
                "--dirty-retention", "1", "--admin", tapAdmin);
        int reversePort = LoopbackPorts.next();
        int recoveryNbd = LoopbackPorts.next();
        String recoveryTapAdmin = ReplicationSite.admin();
        Path recoveryState = base.resolve("recovery/tap-state");
        DaemonProcess recoveryTap = new DaemonProcess("recovery-tap", base.resolve("recovery-tap.log"), "tap",
                "--export", "sys=" + replica(replicas, "sys"), "--export", "data=" + replica(replicas, "data"),
                "--cg-id", "1", "--initial-sync", "skip", "--state-dir", recoveryState.toString(), "--gateway",
                "127.0.0.1:" + reversePort, "--connect-wait", "1", "--dirty-retention", "1", "--nbd",
                "127.0.0.1:" + recoveryNbd, "--admin", recoveryTapAdmin);
        int originalTargetPort = LoopbackPorts.next();
        String originalTargetAdmin = ReplicationSite.admin();
        Path originalReplicas = original.resolve("replicas");
        Path reverseSourceData = base.resolve("recovery/source-data");
        DaemonProcess reverseSource = reverseSource(base, reversePort, originalTargetPort, reverseSourceData);
        DaemonProcess originalTarget = originalTarget(base, originalTargetPort, original, originalReplicas,
                originalTargetAdmin);
        try (target; source; tap; recoveryTap; reverseSource; originalTarget) {
            target.start(targetPort);
            source.start(sourcePort);
            tap.start(nbdPort);
            guest(nbdPort, "sys", "write -P 0x11 0 4M", "write -P 0x22 8M 1M");
            guest(nbdPort, "data", "write -P 0x33 1M 2M");
            awaitApplied(targetAdmin, tapAdmin, "the replicas up to date with the tap");

            // The link goes down; the original site writes on: journaled there, never applied at the replica.
            target.kill9();
            guest(nbdPort, "sys", "write -P 0x77 20M 1M");
            guest(nbdPort, "data", "write -P 0x78 24M 1M");
            awaitClean(tapState, 0, 0); // journaled and acknowledged: the journal alone names them
            tap.kill9();
            source.kill9();

            ReplicationSite.CommandRun failedOver = datamover("failover", "--cg", "1", "--force", "--replica-dir",
                    replicas.toString(), "--data-dir", targetData.toString());
            assertThat(failedOver.exitCode()).as(failedOver.output()).isZero();
            Matcher seq = PROMOTED_SEQ.matcher(failedOver.output());
            assertThat(seq.find()).as(failedOver.output()).isTrue();
            String promotedSeq = seq.group(1);

            recoveryTap.start(recoveryNbd);
            guest(recoveryNbd, "sys", "write -P 0x55 12M 1M", "read -P 0x11 0 1M");
            guest(recoveryNbd, "data", "write -P 0x66 0 64k");
            // The activity log's extents cool: the bitmaps keep the written regions (and a new state directory's
            // first region), not their whole 4 MiB extents.
            awaitClean(recoveryState, 16 + 1, 1);

            List<String> atOriginal = List.of("reverse", "--cg", "1", "--original-source-data", sourceData.toString(),
                    "--tap-state", tapState.toString(), "--export", "sys=" + disks.get("sys"), "--export",
                    "data=" + disks.get("data"), "--promoted-seq", promotedSeq, "--replica-dir",
                    originalReplicas.toString());
            source.start(sourcePort);
            ReplicationSite.CommandRun refused = datamover(atOriginal);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("refused").contains("stop that source gateway first");
            source.close();

            ReplicationSite.CommandRun prepared = datamover(atOriginal);
            assertThat(prepared.exitCode()).as(prepared.output()).isZero();
            assertThat(prepared.output()).contains("the original disks are now the replica set")
                    .contains("(" + 2 * MIB + " bytes)");
            assertThat(datamover(atOriginal).output()).contains("a replica set already");
            List<String> atRecovery = List.of("reverse", "--cg", "1", "--promoted-replicas", replicas.toString(),
                    "--source-data", reverseSourceData.toString());
            ReplicationSite.CommandRun seeded = datamover(atRecovery);
            assertThat(seeded.exitCode()).as(seeded.output()).isZero();
            assertThat(datamover(atRecovery).output()).contains("continues the promoted history already");

            // The recovery tap is pointed at the new source gateway by a restart (a clean close keeps the bits of the
            // writes no gateway acknowledged), once that gateway holds the original site's report of what to resync:
            // it then resyncs both sides' regions in one pass.
            recoveryTap.close();
            originalTarget.start(originalTargetPort);
            reverseSource.start(reversePort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the original site's report of what to resync", () -> reverseSource
                    .log().contains("the target reports what the replica was written in after the discarded point"));
            recoveryTap.start(recoveryNbd);
            awaitApplied(originalTargetAdmin, recoveryTapAdmin, "the original disks up to date with the recovery tap");
            assertThat(originalTarget.log())
                    .contains("the source discards the replica's data after seq " + promotedSeq);
            for (String disk : List.of("sys", "data")) {
                Path image = replica(originalReplicas, disk);
                assertThat(Disks.sha256(image)).as(disk).isEqualTo(Disks.sha256(replica(replicas, disk)));
                assertThat(Disks.sha256(image)).as(disk + " is the original disk")
                        .isEqualTo(Disks.sha256(disks.get(disk)));
                assertThat(Disks.allocatedBytes(image)).as(disk + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(replica(replicas, disk)));
            }
            double applied = AdminMetrics.sum(originalTargetAdmin, "datamover_applier_bytes_written_bytes_total")
                    + AdminMetrics.sum(originalTargetAdmin, "datamover_applier_bytes_punched_bytes_total");
            double wire = AdminMetrics.sum(originalTargetAdmin, "datamover_target_bytes_received_bytes_total");
            long changed = MIB + REGION // the recovery site's writes
                    + 2 * MIB; // the original site's, never applied at the replica
            System.out.printf("reverse resync: %.0f bytes applied, %.0f bytes received, %d bytes changed (%.2fx)%n",
                    applied, wire, changed, applied / changed);
            assertThat(applied).as("bytes applied at the original site").isPositive()
                    .isLessThanOrEqualTo(1.1 * changed);
        }
    }

    /** The recovery site's source gateway of reverse replication, shipping to the original site's target gateway. */
    static DaemonProcess reverseSource(Path base, int port, int originalTargetPort, Path data) throws IOException {
        return new DaemonProcess("reverse-source", base.resolve("reverse-source.log"), "source-gateway", "--listen",
                "127.0.0.1:" + port, "--target", "127.0.0.1:" + originalTargetPort, "--data-dir", data.toString(),
                "--admin", ReplicationSite.admin());
    }

    /** The original site's target gateway, on the replica set {@code datamover reverse} makes of its disks. */
    static DaemonProcess originalTarget(Path base, int port, Path original, Path replicas, String admin) {
        return new DaemonProcess("original-target", base.resolve("original-target.log"), "target-gateway", "--listen",
                "127.0.0.1:" + port, "--data-dir", original.resolve("target-data").toString(), "--replica-dir",
                replicas.toString(), "--admin", admin);
    }

    /** Waits until the target gateway has applied, UP_TO_DATE, the last seq of the tap. */
    static void awaitApplied(String targetAdmin, String tapAdmin, String what) throws Exception {
        FaultAwaits.until(Duration.ofMinutes(2), what, () -> {
            AdminStatus t = AdminStatus.fetch(targetAdmin);
            AdminStatus guestSide = AdminStatus.fetch(tapAdmin);
            return t != null && guestSide != null && t.appliedSeq() != null && t.appliedSeq() > 0
                    && t.appliedSeq() == guestSide.lastSeq() && t.state().equals("UP_TO_DATE");
        });
    }

    /** Waits until the tap's bitmaps in {@code state} hold at most these many dirty regions. */
    private static void awaitClean(Path state, int sys, int data) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the bitmaps of " + state + " down to " + sys + " and " + data
                + " dirty regions", () -> dirtyRegions(state.resolve("sys.dirty")).size() <= sys
                        && dirtyRegions(state.resolve("data.dirty")).size() <= data);
    }

    private ReplicationSite.CommandRun datamover(String... args) throws Exception {
        return datamover(List.of(args));
    }

    private ReplicationSite.CommandRun datamover(List<String> args) throws Exception {
        return DaemonProcess.command(base, COMMAND_DEADLINE, new ArrayList<>(args));
    }
}
