package io.datamover.it;

import static io.datamover.it.FailoverTest.guest;
import static io.datamover.it.FailoverTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole disaster-recovery cycle, the daemons as processes, real NBD clients, sparse files (issue 17, "the whole
 * cycle"; docs/operations.md): a two-disk group protected and written by fio; the link goes down and the original
 * site O writes on (never reaching the replica); every daemon of O killed with -9; {@code failover --force} at the
 * recovery site R; qemu-io writes through R's tap; reverse replication; {@code failback} at R (crashed once in its
 * middle: the target gateway then shows the interrupted step and keeps the group closed; the rerun converges) and at
 * O; forward replication resumes with nothing applied; fio again. At the end both sites' disks are equal (SHA-256) and
 * thin, R's writes after the failover are there, O's writes that never reached the replica are gone, and R's retired
 * tap refuses to start, saying where the disks live.
 */
class DrCycleTest {
    private static final long DISK = 32L << 20;
    private static final long MIB = 1 << 20;
    private static final List<String> DISKS = List.of("sys", "data");
    private static final Duration COMMAND_DEADLINE = Duration.ofMinutes(2);
    private static final Pattern PROMOTED_SEQ = Pattern.compile("PROMOTED at seq (\\d+)");
    private static final Pattern FAILBACK_SEQ = Pattern.compile("failed back at the recovery site at seq (\\d+)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void protectFailOverReverseFailBackAndReplicateForwardAgain() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Tools.assumeInstalled("fio");
        Path original = Files.createDirectories(base.resolve("original"));
        Path recovery = Files.createDirectories(base.resolve("recovery"));
        Map<String, Path> disks = new LinkedHashMap<>();
        for (String disk : DISKS) {
            disks.put(disk, Disks.sparse(original.resolve(disk + ".img"), DISK));
        }
        Path replicas = recovery.resolve("replicas");
        Path tapState = original.resolve("tap-state");
        Path recoveryState = recovery.resolve("tap-state");
        Path reverseSourceData = recovery.resolve("source-data");
        Path originalReplicas = original.resolve("replicas");
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        int reversePort = LoopbackPorts.next();
        int recoveryNbd = LoopbackPorts.next();
        int originalTargetPort = LoopbackPorts.next();
        int forwardPort = LoopbackPorts.next();
        String targetAdmin = ReplicationSite.admin();
        String tapAdmin = ReplicationSite.admin();
        String recoveryTapAdmin = ReplicationSite.admin();
        String originalTargetAdmin = ReplicationSite.admin();
        DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", recovery.resolve("target-data").toString(),
                "--replica-dir", replicas.toString(), "--admin", targetAdmin);
        DaemonProcess source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                original.resolve("source-data").toString(), "--admin", ReplicationSite.admin());
        DaemonProcess tap = originalTap(disks, tapState, nbdPort, sourcePort, tapAdmin, "tap.log");
        String[] recoveryTapArgs = {"tap", "--export", "sys=" + replica(replicas, "sys"), "--export", "data="
                + replica(replicas, "data"), "--cg-id", "1", "--initial-sync", "skip", "--state-dir",
                recoveryState.toString(), "--gateway", "127.0.0.1:" + reversePort, "--connect-wait", "1",
                "--dirty-retention", "1", "--nbd", "127.0.0.1:" + recoveryNbd, "--admin", recoveryTapAdmin};
        DaemonProcess recoveryTap = new DaemonProcess("recovery-tap", base.resolve("recovery-tap.log"),
                recoveryTapArgs);
        DaemonProcess reverseSource = reverseSource(base, reversePort, originalTargetPort,
                reverseSourceData);
        DaemonProcess originalTarget = originalTarget(base, originalTargetPort, original,
                originalReplicas, originalTargetAdmin);
        Path forwardSourceData = original.resolve("source-data-after-failback");
        DaemonProcess forwardSource = new DaemonProcess("forward-source", base.resolve("forward-source.log"),
                "source-gateway", "--listen", "127.0.0.1:" + forwardPort, "--target", "127.0.0.1:" + targetPort,
                "--data-dir", forwardSourceData.toString(), "--admin", ReplicationSite.admin());
        DaemonProcess forwardTap = originalTap(disks, tapState, nbdPort, forwardPort, tapAdmin, "forward-tap.log");
        try (target; source; tap; recoveryTap; reverseSource; originalTarget; forwardSource; forwardTap) {
            // Protect, and let fio write both disks; the replicas catch up.
            target.start(targetPort);
            source.start(sourcePort);
            tap.start(nbdPort);
            fio(nbdPort, 1);
            awaitApplied(targetAdmin, tapAdmin, "the replicas up to date with the original tap");

            // The link goes down; O writes on (journaled there, never applied at R); then every daemon of O dies.
            target.kill9();
            guest(nbdPort, "sys", "write -P 0x77 20M 1M");
            guest(nbdPort, "data", "write -P 0x78 24M 1M");
            tap.kill9();
            source.kill9();

            // Failover at R on the stopped target's directories; R's VM writes through the recovery tap.
            ReplicationSite.CommandRun failedOver = datamover("failover", "--cg", "1", "--force", "--replica-dir",
                    replicas.toString(), "--data-dir", recovery.resolve("target-data").toString());
            assertThat(failedOver.exitCode()).as(failedOver.output()).isZero();
            String promotedSeq = group(PROMOTED_SEQ, failedOver.output());
            Map<String, byte[]> lostRange = new LinkedHashMap<>();
            lostRange.put("sys", range(replica(replicas, "sys"), 20 * MIB, MIB));
            lostRange.put("data", range(replica(replicas, "data"), 24 * MIB, MIB));
            recoveryTap.start(recoveryNbd);
            guest(recoveryNbd, "sys", "write -P 0x55 12M 1M", "write -P 0x56 20M 64k");
            guest(recoveryNbd, "data", "write -P 0x66 0 64k");
            // R's own write into the range O lost stays.
            Arrays.fill(lostRange.get("sys"), 0, 64 * 1024, (byte) 0x56);

            // Reverse replication (as ReverseReplicationTest).
            ReplicationSite.CommandRun atOriginal = datamover("reverse", "--cg", "1", "--original-source-data",
                    original.resolve("source-data").toString(), "--tap-state", tapState.toString(), "--export",
                    "sys=" + disks.get("sys"), "--export", "data=" + disks.get("data"), "--promoted-seq",
                    promotedSeq, "--replica-dir", originalReplicas.toString());
            assertThat(atOriginal.exitCode()).as(atOriginal.output()).isZero();
            ReplicationSite.CommandRun atRecovery = datamover("reverse", "--cg", "1", "--promoted-replicas",
                    replicas.toString(), "--source-data", reverseSourceData.toString());
            assertThat(atRecovery.exitCode()).as(atRecovery.output()).isZero();
            recoveryTap.close();
            originalTarget.start(originalTargetPort);
            reverseSource.start(reversePort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the original site's report of what to resync", () -> reverseSource
                    .log().contains("the target reports what the replica was written in after the discarded point"));
            recoveryTap.start(recoveryNbd);
            awaitApplied(originalTargetAdmin, recoveryTapAdmin, "the original disks up to date with the recovery tap");

            // Failback at R: refused while its daemons run; the VM stops, the tap drains and stops, then the source.
            List<String> failbackAtRecovery = List.of("failback", "--cg", "1", "--promoted-replicas",
                    replicas.toString(), "--reverse-source-data", reverseSourceData.toString(), "--recovery-tap-state",
                    recoveryState.toString(), "--now-at", "the original site (nbd://127.0.0.1:" + nbdPort + ")");
            ReplicationSite.CommandRun refused = datamover(failbackAtRecovery);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("refused").contains("stop the recovery tap first");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the recovery tap's bitmaps clean", () -> DISKS.stream().allMatch(
                    d -> dirtyRegions(recoveryState.resolve(d + ".dirty")) == 0));
            recoveryTap.close();
            reverseSource.close();
            ReplicationSite.CommandRun crashed = DaemonProcess.command(base, COMMAND_DEADLINE, failbackAtRecovery,
                    FailoverTest.armed(CrashPoint.Point.FAILBACK_DEMOTED));
            assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
            target.start(targetPort); // an interrupted failback: shown, the group kept closed
            FaultAwaits.until(FaultAwaits.DEADLINE, "the interrupted failback in status and metrics", () ->
                    AdminStatus.json(targetAdmin).contains("failback at the recovery site: step 2/4")
                            && AdminMetrics.sum(targetAdmin, "datamover_operation_in_progress", "cg=\"1\"") == 1);
            target.close();
            ReplicationSite.CommandRun failedBack = datamover(failbackAtRecovery);
            assertThat(failedBack.exitCode()).as(failedBack.output()).isZero();
            String failbackSeq = group(FAILBACK_SEQ, failedBack.output());
            ReplicationSite.CommandRun retired = datamover(recoveryTapArgs);
            assertThat(retired.exitCode()).as(retired.output()).isNotZero();
            assertThat(retired.output()).contains("retired").contains("nbd://127.0.0.1:" + nbdPort);

            // Failback at O, once its target gateway applied that seq and stopped.
            originalTarget.close();
            List<String> failbackAtOriginal = List.of("failback", "--cg", "1", "--seq", failbackSeq, "--replica-dir",
                    originalReplicas.toString(), "--new-source-data", forwardSourceData.toString(), "--tap-state",
                    tapState.toString());
            ReplicationSite.CommandRun atO = datamover(failbackAtOriginal);
            assertThat(atO.exitCode()).as(atO.output()).isZero();
            for (String disk : DISKS) {
                assertThat(Disks.sha256(disks.get(disk))).as(disk).isEqualTo(Disks.sha256(replica(replicas, disk)));
                assertThat(range(disks.get(disk), disk.equals("sys") ? 20 * MIB : 24 * MIB, MIB))
                        .as(disk + ": O's writes that never reached the replica are gone")
                        .isEqualTo(lostRange.get(disk));
            }

            // Forward replication: R's replicas adopt O's new generation, nothing applied; then fio again.
            target.start(targetPort);
            forwardSource.start(forwardPort);
            forwardTap.start(nbdPort);
            guest(nbdPort, "sys", "read -P 0x55 12M 1M", "read -P 0x56 20M 64k");
            guest(nbdPort, "data", "read -P 0x66 0 64k");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the recovery site's replicas SECONDARY and connected",
                    () -> AdminStatus.json(targetAdmin).contains("\"role\":\"SECONDARY\"")
                            && target.log().contains("the replica's generation is an earlier one of the source's"));
            assertThat(appliedBytes(targetAdmin)).as("bytes applied at R when forward replication resumed").isZero();
            fio(nbdPort, 2);
            awaitApplied(targetAdmin, tapAdmin, "the replicas up to date with the original tap again");
            for (String disk : DISKS) {
                Path at = replica(replicas, disk);
                assertThat(Disks.sha256(at)).as(disk + " equal at both sites").isEqualTo(Disks.sha256(disks.get(disk)));
                assertThat(Disks.allocatedBytes(at)).as(disk + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(disks.get(disk)) * 101 / 100 + MIB);
            }
        }
    }

    private DaemonProcess originalTap(Map<String, Path> disks, Path state, int nbd, int gateway, String admin,
            String log) {
        return new DaemonProcess("tap", base.resolve(log), "tap", "--export", "sys=" + disks.get("sys"), "--export",
                "data=" + disks.get("data"), "--nbd", "127.0.0.1:" + nbd, "--gateway", "127.0.0.1:" + gateway,
                "--state-dir", state.toString(), "--initial-sync", "skip", "--dirty-retention", "1", "--admin", admin);
    }

    /** fio's random writes (4-64 KiB, 4 MiB in all) over the first 16 MiB of each disk through the tap. */
    private static void fio(int nbdPort, int seed) throws Exception {
        for (String disk : DISKS) {
            Tools.Result fio = Tools.run(Duration.ofSeconds(120), "fio", "--name=guest", "--ioengine=nbd",
                    "--uri=nbd://127.0.0.1:" + nbdPort + "/" + disk, "--rw=randwrite", "--bsrange=4k-64k",
                    "--size=16M", "--io_size=4M", "--iodepth=8", "--randseed=" + seed, "--refill_buffers");
            assertThat(fio.exitCode()).as(fio.output()).isZero();
        }
    }

    /** The recovery site's source gateway of reverse replication, shipping to the original site's target gateway. */
    private static DaemonProcess reverseSource(Path base, int port, int originalTargetPort, Path data)
            throws IOException {
        return new DaemonProcess("reverse-source", base.resolve("reverse-source.log"), "source-gateway", "--listen",
                "127.0.0.1:" + port, "--target", "127.0.0.1:" + originalTargetPort, "--data-dir", data.toString(),
                "--admin", ReplicationSite.admin());
    }

    /** The original site's target gateway, on the replica set {@code datamover reverse} makes of its disks. */
    private static DaemonProcess originalTarget(Path base, int port, Path original, Path replicas, String admin) {
        return new DaemonProcess("original-target", base.resolve("original-target.log"), "target-gateway", "--listen",
                "127.0.0.1:" + port, "--data-dir", original.resolve("target-data").toString(), "--replica-dir",
                replicas.toString(), "--admin", admin);
    }

    /** Waits until the target gateway has applied, UP_TO_DATE, the last seq of the tap. */
    private static void awaitApplied(String targetAdmin, String tapAdmin, String what) throws Exception {
        FaultAwaits.until(Duration.ofMinutes(2), what, () -> {
            AdminStatus t = AdminStatus.fetch(targetAdmin);
            AdminStatus guestSide = AdminStatus.fetch(tapAdmin);
            return t != null && guestSide != null && t.appliedSeq() != null && t.appliedSeq() > 0
                    && t.appliedSeq() == guestSide.lastSeq() && t.state().equals("UP_TO_DATE");
        });
    }

    private static double appliedBytes(String admin) throws InterruptedException {
        return AdminMetrics.sum(admin, "datamover_applier_bytes_written_bytes_total")
                + AdminMetrics.sum(admin, "datamover_applier_bytes_punched_bytes_total");
    }

    private static long dirtyRegions(Path bitmap) {
        try {
            return FailoverTest.dirtyRegions(bitmap).size();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static byte[] range(Path image, long offset, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(image)) {
            ByteBuffer bytes = ByteBuffer.allocate((int) length);
            while (bytes.hasRemaining() && ch.read(bytes, offset + bytes.position()) >= 0) {
                // reads until full; a hole reads as zeros
            }
            return bytes.array();
        }
    }

    private static String group(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    private ReplicationSite.CommandRun datamover(String... args) throws Exception {
        return datamover(List.of(args));
    }

    private ReplicationSite.CommandRun datamover(List<String> args) throws Exception {
        return DaemonProcess.command(base, COMMAND_DEADLINE, new ArrayList<>(args));
    }
}
