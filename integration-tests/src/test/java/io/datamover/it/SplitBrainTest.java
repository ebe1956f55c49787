package io.datamover.it;

import static io.datamover.it.FailoverTest.dirtyRegions;
import static io.datamover.it.FailoverTest.guest;
import static io.datamover.it.FailoverTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split brain end to end, the daemons as processes (docs/operations.md, "Split brain"): a forced failover through the
 * running target gateway while the original site keeps writing; the original source is refused as DIVERGED (both
 * sites show it), the recovery site writes through its tap, and neither disk changes while refused. The operator keeps the original site's data ({@code datamover split-brain resolve --discard
 * recovery} at the recovery site, {@code datamover resync --discard replica} at the original one): the replica
 * converges to the original disk (SHA-256), receiving only the regions either side changed since the promoted seq.
 */
class SplitBrainTest {
    private static final long DISK = 16L << 20;
    private static final long MIB = 1 << 20;
    private static final Duration COMMAND_DEADLINE = Duration.ofMinutes(2);
    private static final Pattern PROMOTED = Pattern.compile(
            "PROMOTED at seq (\\d+) in (generation [0-9a-f]{16} after [0-9a-f]{16}@\\d+)");
    private static final String DIVERGED_ROLE = "\"role\":\"DIVERGED\"";
    private static final String REFUSALS = "datamover_target_rejected_total";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void bothSitesWroteAfterAForcedFailoverRefusedUntilTheOperatorDiscardsTheRecoverySitesWrites() throws Exception {
        Tools.assumeInstalled("qemu-io");
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        String targetAdmin = ReplicationSite.admin();
        String sourceAdmin = ReplicationSite.admin();
        String tapAdmin = ReplicationSite.admin();
        Path token = AdminTokenFile.write(base.resolve("admin-token"), "the-operators-secret");
        Path replicas = base.resolve("recovery/replicas");
        Path disk = Disks.sparse(Files.createDirectories(base.resolve("original")).resolve("sys.img"), DISK);
        Path tapState = base.resolve("original/tap-state");
        DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", base.resolve("recovery/target-data").toString(),
                "--replica-dir", replicas.toString(), "--admin", targetAdmin, "--admin-token-file", token.toString(),
                "--recovery-tap-state", "1=" + base.resolve("recovery/tap-state"));
        DaemonProcess source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                base.resolve("original/source-data").toString(), "--admin", sourceAdmin, "--admin-token-file",
                token.toString());
        DaemonProcess tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export", "sys=" + disk,
                "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort, "--state-dir",
                tapState.toString(), "--initial-sync", "skip", "--dirty-retention", "1", "--admin", tapAdmin);
        int recoveryNbd = LoopbackPorts.next();
        Path recoveryState = base.resolve("recovery/tap-state");
        DaemonProcess recoveryTap = new DaemonProcess("recovery-tap", base.resolve("recovery-tap.log"), "tap",
                "--export", "sys=" + replica(replicas, "sys"), "--cg-id", "1", "--initial-sync", "skip",
                "--state-dir", recoveryState.toString(), "--gateway", "127.0.0.1:" + LoopbackPorts.next(),
                "--connect-wait", "1", "--dirty-retention", "1", "--nbd", "127.0.0.1:" + recoveryNbd, "--admin",
                ReplicationSite.admin());
        try (target; source; tap; recoveryTap) {
            target.start(targetPort);
            source.start(sourcePort);
            tap.start(nbdPort);
            guest(nbdPort, "sys", "write -P 0x11 0 4M", "write -P 0x22 6M 1M");
            awaitReplicaUpToDate(targetAdmin, tapAdmin);

            // A forced failover while the original site answers (a partition: it keeps running).
            ReplicationSite.CommandRun failedOver = datamover("failover", "--cg", "1", "--force", "--admin",
                    targetAdmin, "--admin-token-file", token.toString());
            assertThat(failedOver.exitCode()).as(failedOver.output()).isZero();
            Matcher promoted = PROMOTED.matcher(failedOver.output());
            assertThat(promoted.find()).as(failedOver.output()).isTrue();
            long promotedSeq = Long.parseLong(promoted.group(1));
            String promotedHistory = promoted.group(2);

            // The original site writes on: journaled there; its source is refused as DIVERGED, shown at both sites.
            guest(nbdPort, "sys", "write -P 0x77 8M 1M");
            FaultAwaits.until(FaultAwaits.DEADLINE, "both sites showing the split brain", () -> AdminStatus
                    .json(targetAdmin).contains(DIVERGED_ROLE) && AdminStatus.json(sourceAdmin).contains(DIVERGED_ROLE));
            for (String site : List.of(targetAdmin, sourceAdmin)) { // both histories, both seqs
                assertThat(AdminStatus.json(site)).as(site).contains("split brain").contains(promotedHistory)
                        .contains("holds generation ").containsPattern("journal at seq [0-9]+: [0-9]+ records past seq "
                                + promotedSeq);
            }
            assertThat(AdminMetrics.sum(sourceAdmin, "datamover_pair_diverged")).isEqualTo(1);
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "datamover_role DIVERGED", () -> AdminMetrics.sum(targetAdmin,
                    "datamover_role", "role=\"DIVERGED\""), 1);
            assertThat(target.log()).contains("split brain").doesNotContain("takes the source's");
            FaultAwaits.journaled(tapAdmin); // the original site's writes are in its journal, acknowledged there

            // The recovery site serves the promoted disk and writes too.
            recoveryTap.start(recoveryNbd);
            guest(recoveryNbd, "sys", "write -P 0x55 12M 1M", "write -P 0x56 0 64k", "read -P 0x22 6M 1M");
            awaitClean(recoveryState, 16 + 1); // its 1 MiB and region 0 (written, and a new state directory's)
            recoveryTap.close();

            // Neither disk changes while the pair is DIVERGED: the original source, connecting again, is refused.
            String originalImage = Disks.sha256(disk);
            String recoveryImage = Disks.sha256(replica(replicas, "sys"));
            assertThat(recoveryImage).isNotEqualTo(originalImage);
            double refusals = AdminMetrics.sum(targetAdmin, REFUSALS, "code=\"DIVERGED\"");
            restartSkippingBackoff(source, sourcePort);
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "the split brain refused again", () -> AdminMetrics.sum(
                    targetAdmin, REFUSALS, "code=\"DIVERGED\""), refusals + 1);
            assertThat(Disks.sha256(disk)).isEqualTo(originalImage);
            assertThat(Disks.sha256(replica(replicas, "sys"))).isEqualTo(recoveryImage);

            // Both sites' status count the regions each side changed since the promote: the original site's 1 MiB
            // (16 regions, exact, from its journal), the recovery site's 1 MiB and region 0 (17, an upper bound, from
            // its tap's bitmap, which the refusal carries to the original site).
            String recoveryFigure = "\"recovery\":{\"regions\":17,\"regionBytes\":65536,\"bound\":\"UPPER_BOUND\"}";
            String bothFigures = "\"splitBrain\":{\"original\":{\"regions\":16,\"regionBytes\":65536,"
                    + "\"bound\":\"EXACT\"}," + recoveryFigure + "}";
            FaultAwaits.until(FaultAwaits.DEADLINE, "the original site's status counting both sides' regions",
                    () -> AdminStatus.json(sourceAdmin).contains(bothFigures));
            assertThat(AdminStatus.json(targetAdmin)).contains("\"splitBrain\":{\"original\":null," + recoveryFigure);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the original site's 16 regions as a metric", () -> AdminMetrics
                    .sum(sourceAdmin, "datamover_split_brain_changed_regions", "side=\"original\"") == 16);

            // The operator keeps the original site's data.
            List<String> resolve = List.of("split-brain", "resolve", "--cg", "1", "--discard", "recovery",
                    "--promoted-replicas", replicas.toString(), "--tap-state", recoveryState.toString());
            ReplicationSite.CommandRun inUse = datamover(resolve);
            assertThat(inUse.exitCode()).as(inUse.output()).isOne();
            assertThat(inUse.output()).contains("refused").contains("stop the target gateway first");
            target.close();
            ReplicationSite.CommandRun resolved = datamover(resolve);
            assertThat(resolved.exitCode()).as(resolved.output()).isZero();
            assertThat(resolved.output()).contains("replicas of the original site again")
                    .contains("(" + (MIB + 64 * 1024) + " bytes)");
            target.start(targetPort);
            restartSkippingBackoff(source, sourcePort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the original source refused as DIVERGED by the replicas",
                    () -> AdminStatus.json(targetAdmin).contains("both sides moved on")
                            && AdminStatus.json(sourceAdmin).contains(DIVERGED_ROLE));
            ReplicationSite.CommandRun discard = datamover("resync", "--cg", "1", "--discard", "replica", "--admin",
                    sourceAdmin, "--admin-token-file", token.toString());
            assertThat(discard.exitCode()).as(discard.output()).isZero();

            awaitReplicaUpToDate(targetAdmin, tapAdmin);
            assertThat(target.log()).contains("the source discards the replica's data after seq " + promotedSeq);
            assertThat(Disks.sha256(replica(replicas, "sys"))).isEqualTo(Disks.sha256(disk)).isEqualTo(originalImage);
            assertThat(Disks.allocatedBytes(replica(replicas, "sys"))).isLessThanOrEqualTo(Disks.allocatedBytes(disk));
            double applied = AdminMetrics.sum(targetAdmin, "datamover_applier_bytes_written_bytes_total")
                    + AdminMetrics.sum(targetAdmin, "datamover_applier_bytes_punched_bytes_total");
            long changed = MIB // the original site's write since the promote, from its journal
                    + 2 * MIB; // the regions (1 MiB each at the replica) the recovery site wrote: 0 and 12
            System.out.printf("split-brain resolve: %.0f bytes applied for %d bytes changed (%.2fx), disk %d bytes%n",
                    applied, changed, applied / changed, DISK);
            assertThat(applied).as("bytes applied at the recovery site").isPositive()
                    .isLessThanOrEqualTo(1.1 * changed);
        }
    }

    /**
     * Restarts the original source gateway, so that it connects at once instead of after its reconnect backoff, which
     * refusals double up to 30 s; a restart changes nothing else here (its journal and history are durable).
     */
    private static void restartSkippingBackoff(DaemonProcess source, int port) throws Exception {
        source.close();
        source.start(port);
    }

    private static void awaitReplicaUpToDate(String targetAdmin, String tapAdmin) throws Exception {
        FaultAwaits.caughtUp(Duration.ofMinutes(2), "the replica up to date with the tap", targetAdmin, tapAdmin);
    }

    /** Waits until the tap's bitmap in {@code state} holds at most {@code regions} dirty regions. */
    private static void awaitClean(Path state, int regions) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the bitmap of " + state + " down to " + regions + " dirty regions",
                () -> dirtyRegions(state.resolve("sys.dirty")).size() <= regions);
    }

    private ReplicationSite.CommandRun datamover(String... args) throws Exception {
        return datamover(List.of(args));
    }

    private ReplicationSite.CommandRun datamover(List<String> args) throws Exception {
        return DaemonProcess.command(base, COMMAND_DEADLINE, new ArrayList<>(args));
    }
}
