package io.datamover.it;

import static io.datamover.it.FailoverTest.guest;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * recovery site R; qemu-io writes through R's tap; reverse replication ({@link ReversePair}); {@code failback} at R
 * (crashed once in its middle: the target gateway then shows the interrupted step and keeps the group closed; the
 * rerun converges) and at O; forward replication resumes with nothing applied; fio again. At the end both sites'
 * disks are equal (SHA-256) and thin, R's writes after the failover are there, O's writes that never reached the
 * replica are gone, and R's retired tap refuses to start, saying where the disks live.
 */
class DrCycleTest {
    private static final long DISK = 32L << 20;
    private static final long MIB = 1 << 20;
    private static final List<String> DISKS = List.of("sys", "data");
    private static final Map<String, Long> LOST_AT = Map.of("sys", 20 * MIB, "data", 24 * MIB);
    private static final Pattern FAILBACK_SEQ = Pattern.compile("failed back at the recovery site at seq (\\d+)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void protectFailOverReverseFailBackAndReplicateForwardAgain() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Tools.assumeInstalled("fio");
        Map<String, Long> sizes = new LinkedHashMap<>();
        DISKS.forEach(disk -> sizes.put(disk, DISK));
        int forwardPort = LoopbackPorts.next();
        Path forwardSourceData = base.resolve("original/source-data-after-failback");
        try (ReversePair pair = new ReversePair(base, sizes);
                DaemonProcess forwardSource = new DaemonProcess("forward-source", base.resolve("forward-source.log"),
                        "source-gateway", "--listen", "127.0.0.1:" + forwardPort, "--target", "127.0.0.1:"
                                + pair.targetPort(), "--data-dir", forwardSourceData.toString(), "--admin",
                        ReplicationSite.admin());
                DaemonProcess forwardTap = forwardTap(pair, forwardPort)) {
            // Protect, and let fio write both disks; the replicas catch up.
            pair.protect();
            fio(pair.nbdPort(), 1);
            pair.awaitForwardUpToDate(Duration.ofMinutes(2));

            // The link goes down; O writes on (journaled there, never applied at R); then every daemon of O dies.
            pair.linkDown();
            guest(pair.nbdPort(), "sys", "write -P 0x77 20M 1M");
            guest(pair.nbdPort(), "data", "write -P 0x78 24M 1M");
            pair.loseOriginalSite();

            // Failover at R on the stopped target's directories; R's VM writes through the recovery tap.
            String promotedSeq = pair.failover();
            Map<String, byte[]> lostRange = new LinkedHashMap<>();
            for (String disk : DISKS) {
                lostRange.put(disk, range(pair.promoted(disk), LOST_AT.get(disk), MIB));
            }
            pair.startRecoveryTap();
            guest(pair.recoveryNbd(), "sys", "write -P 0x55 12M 1M", "write -P 0x56 20M 64k");
            guest(pair.recoveryNbd(), "data", "write -P 0x66 0 64k");
            Arrays.fill(lostRange.get("sys"), 0, 64 * 1024, (byte) 0x56); // R's write into the range O lost stays

            // Reverse replication.
            for (List<String> reverse : List.of(pair.reverseAtOriginal(promotedSeq), pair.reverseAtRecovery())) {
                ReplicationSite.CommandRun run = pair.datamover(reverse);
                assertThat(run.exitCode()).as(run.output()).isZero();
            }
            pair.startReverseReplication();
            pair.awaitReverseUpToDate(Duration.ofMinutes(2));

            // Failback at R: refused while its daemons run; the VM stops, the tap drains and stops, then the source.
            List<String> failbackAtRecovery = List.of("failback", "--cg", "1", "--promoted-replicas",
                    pair.replicas().toString(), "--reverse-source-data", pair.reverseSourceData().toString(),
                    "--recovery-tap-state", pair.recoveryTapState().toString(), "--now-at",
                    "the original site (nbd://127.0.0.1:" + pair.nbdPort() + ")");
            ReplicationSite.CommandRun refused = pair.datamover(failbackAtRecovery);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("refused").contains("stop the recovery tap first");
            for (String disk : DISKS) {
                ReversePair.awaitClean(pair.recoveryTapState(), disk, 0);
            }
            pair.recoveryTap().close();
            pair.reverseSource().close();
            ReplicationSite.CommandRun crashed = DaemonProcess.command(base, ReversePair.COMMAND_DEADLINE,
                    failbackAtRecovery, FailoverTest.armed(CrashPoint.Point.FAILBACK_DEMOTED));
            assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
            pair.target().start(pair.targetPort()); // an interrupted failback: shown, the group kept closed
            FaultAwaits.until(FaultAwaits.DEADLINE, "the interrupted failback in status and metrics", () ->
                    AdminStatus.json(pair.targetAdmin()).contains("failback at the recovery site: step 2/4")
                            && AdminMetrics.sum(pair.targetAdmin(), "datamover_operation_in_progress", "cg=\"1\"")
                                    == 1);
            pair.target().close();
            ReplicationSite.CommandRun failedBack = pair.datamover(failbackAtRecovery);
            assertThat(failedBack.exitCode()).as(failedBack.output()).isZero();
            String failbackSeq = group(FAILBACK_SEQ, failedBack.output());
            ReplicationSite.CommandRun retired = pair.datamover(recoveryTapArgs(pair));
            assertThat(retired.exitCode()).as(retired.output()).isNotZero();
            assertThat(retired.output()).contains("retired").contains("nbd://127.0.0.1:" + pair.nbdPort());

            // Failback at O, once its target gateway applied that seq and stopped.
            pair.originalTarget().close();
            ReplicationSite.CommandRun atOriginal = pair.datamover(List.of("failback", "--cg", "1", "--seq",
                    failbackSeq, "--replica-dir", pair.originalReplicas().toString(), "--new-source-data",
                    forwardSourceData.toString(), "--tap-state", pair.tapState().toString()));
            assertThat(atOriginal.exitCode()).as(atOriginal.output()).isZero();
            for (String disk : DISKS) {
                Path original = pair.disks().get(disk);
                assertThat(Disks.sha256(original)).as(disk).isEqualTo(Disks.sha256(pair.promoted(disk)));
                assertThat(range(original, LOST_AT.get(disk), MIB))
                        .as(disk + ": O's writes that never reached the replica are gone")
                        .isEqualTo(lostRange.get(disk));
            }

            // Forward replication: R's replicas adopt O's new generation, nothing applied; then fio again.
            pair.target().start(pair.targetPort());
            forwardSource.start(forwardPort);
            forwardTap.start(pair.nbdPort());
            guest(pair.nbdPort(), "sys", "read -P 0x55 12M 1M", "read -P 0x56 20M 64k");
            guest(pair.nbdPort(), "data", "read -P 0x66 0 64k");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the recovery site's replicas SECONDARY and connected",
                    () -> AdminStatus.json(pair.targetAdmin()).contains("\"role\":\"SECONDARY\"")
                            && pair.target().log().contains(
                                    "the replica's generation is an earlier one of the source's"));
            assertThat(AdminMetrics.sum(pair.targetAdmin(), "datamover_applier_bytes_written_bytes_total")
                    + AdminMetrics.sum(pair.targetAdmin(), "datamover_applier_bytes_punched_bytes_total"))
                    .as("bytes applied at R when forward replication resumed").isZero();
            fio(pair.nbdPort(), 2);
            pair.awaitForwardUpToDate(Duration.ofMinutes(2));
            for (String disk : DISKS) {
                Path original = pair.disks().get(disk);
                Path replica = pair.promoted(disk);
                assertThat(Disks.sha256(replica)).as(disk + " equal at both sites").isEqualTo(Disks.sha256(original));
                assertThat(Disks.allocatedBytes(replica)).as(disk + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(original) * 101 / 100 + MIB);
            }
        }
    }

    /** The original site's tap again, on its state directory, pointed at the source gateway of forward replication. */
    private DaemonProcess forwardTap(ReversePair pair, int gateway) {
        List<String> args = new ArrayList<>(List.of("tap"));
        pair.disks().forEach((name, path) -> args.addAll(List.of("--export", name + "=" + path)));
        args.addAll(List.of("--nbd", "127.0.0.1:" + pair.nbdPort(), "--gateway", "127.0.0.1:" + gateway,
                "--state-dir", pair.tapState().toString(), "--initial-sync", "skip", "--dirty-retention", "1",
                "--admin", pair.tapAdmin()));
        return new DaemonProcess("forward-tap", base.resolve("forward-tap.log"), args.toArray(String[]::new));
    }

    /** The recovery tap's command line, to start it again once its state directory is retired. */
    private static List<String> recoveryTapArgs(ReversePair pair) throws IOException {
        List<String> args = new ArrayList<>(List.of("tap"));
        DISKS.forEach(disk -> args.addAll(List.of("--export", disk + "=" + pair.promoted(disk))));
        args.addAll(List.of("--cg-id", "1", "--initial-sync", "skip", "--state-dir",
                pair.recoveryTapState().toString(), "--gateway", "127.0.0.1:" + LoopbackPorts.next(),
                "--connect-wait", "1", "--nbd", "127.0.0.1:" + pair.recoveryNbd()));
        return args;
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
}
