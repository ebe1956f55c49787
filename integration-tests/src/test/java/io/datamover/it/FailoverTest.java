package io.datamover.it;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover end to end, the daemons as processes (docs/operations.md, "Failover"): a two-disk group is protected and
 * written with qemu-io; a failover without {@code --force} is refused while the source gateway is connected; every
 * daemon of the original site is killed with SIGKILL; {@code failover --force} crashes in its middle (the target
 * gateway armed at {@link CrashPoint.Point#FAILOVER_PROMOTED}) and converges when run again; the old source
 * gateway, started again, is refused; the promoted replicas hold every write the replica held (whole-disk SHA-256) and stay thin; a tap at the recovery site serves them with
 * no gateway to reach, qemu-io's writes through it read back, and its persistent dirty bitmap records them, across
 * a kill -9 of that tap.
 */
class FailoverTest {
    private static final long DISK = 32L << 20;
    private static final int REGION = 64 * 1024;
    private static final Duration COMMAND_DEADLINE = Duration.ofMinutes(3);
    private static final Duration CLIENT = Duration.ofSeconds(60);
    private static final List<String> DISKS = List.of("sys", "data");

    @TempDir
    Path base;

    @Test
    void aForcedFailoverAfterTheOriginalSiteDiesPromotesTheReplicasAndServesThemAtTheRecoverySite() throws Exception {
        Tools.assumeInstalled("qemu-io");
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        String targetAdmin = ReplicationSite.admin();
        String sourceAdmin = ReplicationSite.admin();
        String tapAdmin = ReplicationSite.admin();
        Path replicas = base.resolve("replicas");
        Map<String, Path> sources = Map.of("sys", Disks.sparse(base.resolve("sys.img"), DISK),
                "data", Disks.sparse(base.resolve("data.img"), DISK));
        AdminTokenFile.write(adminToken(), "the-recovery-site-operator-secret");
        DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", base.resolve("target-data").toString(),
                "--replica-dir", replicas.toString(), "--admin", targetAdmin,
                "--admin-token-file", adminToken().toString())
                // Never reached while replicating: the failover's first run crashes after promoting.
                .javaOptions(armed(CrashPoint.Point.FAILOVER_PROMOTED));
        DaemonProcess source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                base.resolve("source-data").toString(), "--admin", sourceAdmin);
        DaemonProcess tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export",
                "sys=" + sources.get("sys"), "--export", "data=" + sources.get("data"), "--nbd", "127.0.0.1:" + nbdPort,
                "--gateway", "127.0.0.1:" + sourcePort, "--state-dir", base.resolve("tap-state").toString(),
                "--initial-sync", "skip", "--admin", tapAdmin);
        try (target; source; tap) {
            target.start(targetPort);
            source.start(sourcePort);
            tap.start(nbdPort);
            guest(nbdPort, "sys", "write -P 0x11 0 4M", "write -P 0x22 8M 1M", "write -z 1M 512k");
            guest(nbdPort, "data", "write -P 0x33 1M 2M", "write -P 0x44 20M 64k", "discard 1M 64k");
            FaultAwaits.caughtUp(FaultAwaits.DEADLINE, "the replicas up to date with the tap", targetAdmin, tapAdmin);
            Map<String, String> expected = Map.of("sys", Disks.sha256(sources.get("sys")),
                    "data", Disks.sha256(sources.get("data")));
            assertThat(AdminStatus.json(targetAdmin)).contains("\"role\":\"SECONDARY\"");
            assertThat(AdminStatus.json(sourceAdmin)).contains("\"role\":\"PRIMARY\"");

            // The source site answers and is primary: refused, nothing changed.
            ReplicationSite.CommandRun refused = failover(targetAdmin);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("is connected and replicating").contains("planned migration")
                    .contains("--force");
            assertThat(AdminStatus.json(targetAdmin)).contains("\"role\":\"SECONDARY\"");

            // The original site is lost.
            tap.kill9();
            source.kill9();
            ReplicationSite.CommandRun crashed = failover(targetAdmin, "--force");
            assertThat(crashed.exitCode()).as(crashed.output()).isNotZero();
            assertThat(target.awaitExit(FaultAwaits.DEADLINE)).isEqualTo(CrashPoint.EXIT_STATUS);
            target.javaOptions("");
            target.start(targetPort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "status showing the interrupted failover",
                    () -> AdminStatus.json(targetAdmin).contains("interrupted after step 1/3"));
            assertThat(target.log()).contains("the failover was interrupted: run datamover failover again");

            ReplicationSite.CommandRun done = failover(targetAdmin, "--force");
            assertThat(done.exitCode()).as(done.output()).isZero();
            assertThat(done.output()).contains("consistency group 1 failed over: disks sys, data PROMOTED at seq")
                    .contains("lost: ").contains("the source was last known to hold seq")
                    .contains("age of the promoted image's newest write").contains("--initial-sync skip");
            ReplicationSite.CommandRun again = failover(targetAdmin, "--force");
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(again.output()).contains("PROMOTED at seq");
            String status = AdminStatus.json(targetAdmin);
            assertThat(status).contains("\"role\":\"PROMOTED\"").contains("\"operation\":null")
                    .containsPattern("\"generation\":\"[0-9a-f]{16}\"");
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "datamover_role PROMOTED", () -> AdminMetrics.sum(targetAdmin,
                    "datamover_role", "role=\"PROMOTED\""), 1);
            for (String line : List.of("step 1/3", "step 2/3", "step 3/3", "failover DONE")) {
                assertThat(target.log()).contains(line);
            }

            // The old source site comes back: refused, and (checked below) the promoted disks are untouched.
            source.start(sourcePort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the old source gateway refused", () -> target.log()
                    .contains("was failed over at the target (PROMOTED)"));

            // The promoted replicas hold what the replica held, as thin as the source.
            for (String disk : DISKS) {
                Path replica = replica(replicas, disk);
                assertThat(Disks.sha256(replica)).as(disk).isEqualTo(expected.get(disk));
                assertThat(Disks.allocatedBytes(replica)).as(disk + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(sources.get(disk)));
            }

            // A tap at the recovery site serves them at once, with no gateway to reach.
            int recoveryNbd = LoopbackPorts.next();
            Path recoveryState = base.resolve("recovery-tap-state");
            try (DaemonProcess recoveryTap = new DaemonProcess("recovery-tap", base.resolve("recovery-tap.log"),
                    "tap", "--export", "sys=" + replica(replicas, "sys"), "--export",
                    "data=" + replica(replicas, "data"), "--cg-id", "1", "--initial-sync", "skip", "--state-dir",
                    recoveryState.toString(), "--gateway", "127.0.0.1:" + LoopbackPorts.next(), "--connect-wait",
                    "1", "--nbd", "127.0.0.1:" + recoveryNbd, "--admin", ReplicationSite.admin())) {
                recoveryTap.start(recoveryNbd);
                guest(recoveryNbd, "sys", "write -P 0x55 12M 1M", "read -P 0x11 0 1M", "read -P 0x22 8M 1M");
                guest(recoveryNbd, "data", "write -P 0x66 0 64k", "read -P 0x33 2M 1M");
                guest(recoveryNbd, "sys", "read -P 0x55 12M 1M");
                guest(recoveryNbd, "data", "read -P 0x66 0 64k");
                recoveryTap.kill9();
                assertThat(dirtyRegions(recoveryState.resolve("sys.dirty"))).as("sys: the writes since the promote")
                        .contains(12L * (1 << 20) / REGION, (13L * (1 << 20) - 1) / REGION);
                assertThat(dirtyRegions(recoveryState.resolve("data.dirty"))).as("data").contains(0L);
                recoveryTap.start(recoveryNbd);
                guest(recoveryNbd, "sys", "read -P 0x55 12M 1M");
            }
            assertThat(Disks.sha256(replica(replicas, "sys"))).isNotEqualTo(expected.get("sys"));
        }
    }

    static Path replica(Path replicas, String disk) {
        return replicas.resolve("cg-1").resolve(disk + ".img");
    }

    static void guest(int nbdPort, String export, String... commands) throws Exception {
        Tools.Result r = Tools.run(CLIENT, qemuIo("nbd://127.0.0.1:" + nbdPort + "/" + export, commands));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).as(export).doesNotContain("failed").doesNotContain("Pattern verification");
    }

    /** The target gateway's admin token (its {@code --admin-token-file}): failover is an operator's call. */
    private Path adminToken() {
        return base.resolve("admin-token");
    }

    /** {@code datamover failover --cg 1 --admin <target admin> --admin-token-file <its token> args...}. */
    private ReplicationSite.CommandRun failover(String targetAdmin, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("failover", "--cg", "1", "--admin", targetAdmin,
                "--admin-token-file", adminToken().toString()));
        command.addAll(List.of(args));
        return DaemonProcess.command(base, COMMAND_DEADLINE, command);
    }

    static String armed(CrashPoint.Point point) {
        return "-D" + CrashPoint.POINT_PROPERTY + "=" + point + " -D" + CrashPoint.AFTER_PROPERTY + "=1";
    }

    /** The dirty regions a tap's bitmap file holds (docs: BitmapFile's layout, bits after a 4 KiB header). */
    static List<Long> dirtyRegions(Path bitmap) throws IOException {
        List<Long> regions = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(bitmap)) {
            ByteBuffer bits = ByteBuffer.allocate((int) (ch.size() - 4096)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(bits, 4096);
            bits.flip();
            for (long word = 0; bits.remaining() >= Long.BYTES; word++) {
                long w = bits.getLong();
                for (int b = 0; b < 64; b++) {
                    if ((w & (1L << b)) != 0) {
                        regions.add(word * 64 + b);
                    }
                }
            }
        }
        return regions;
    }
}
