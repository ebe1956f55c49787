package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datamover verify --cg N --online} on a running pair of {@code bin/datamover} processes with mutual TLS
 * (docs/operations.md, "Online verify"), run by the source gateway: the digests cross through the tap's link and the
 * gateways' authenticated link (through the pair's link proxy), never through the target's admin port. Under a fio
 * guest writing the whole time, no run reports a difference that is not there; a difference planted in the replica
 * behind the target's back (the first block, the last block, a block inside a hole of the source) is found, named by
 * its regions, and repaired by {@code --repair}, after which the replica's sha256 equals the source's. The fio run is
 * 30 s, not the 2 minutes, to keep CI's time; verify starts again and again while it writes (one pass of the
 * 64 MiB disk takes some seconds at {@code --rate 32M}).
 */
class OnlineVerifyTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Duration COMMAND = Duration.ofMinutes(3);
    private static final int FIO_SECONDS = 30;
    private static final long REGION = 64 << 10;

    @TempDir
    Path base;

    @Test
    void noRunReportsADifferenceWhileFioWrites() throws Exception {
        Tools.assumeInstalled("fio");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "32M").start()) {
            Tools.Running guest = Tools.start("fio", "--name=guest", "--ioengine=nbd",
                    "--uri=nbd://127.0.0.1:" + site.nbdPort() + "/" + ReplicationSite.EXPORT, "--rw=randwrite",
                    "--bsrange=4k-64k", "--size=" + DISK, "--rate=2m", "--runtime=" + FIO_SECONDS, "--time_based",
                    "--iodepth=4", "--randseed=18", "--refill_buffers");
            List<ReplicationSite.CommandRun> runs = new ArrayList<>();
            while (guest.process().isAlive()) {
                runs.add(verify(site, "--rate", "32M"));
            }
            Tools.Result fio = guest.await(DEADLINE);
            assertThat(fio.exitCode()).as(fio.output()).isZero();

            assertThat(runs).as("verify ran while fio wrote").isNotEmpty();
            for (ReplicationSite.CommandRun run : runs) {
                assertThat(run.exitCode()).as("no false difference (0 equal, 4 some regions unsettled):\n%s",
                        run.output()).isIn(0, 4);
                assertThat(run.output()).doesNotContain("differs:");
            }
            assertThat(runs.stream().filter(run -> run.exitCode() == 0)).as("most runs settle every region")
                    .isNotEmpty();
            assertThat(ConvergenceCheck.await(site, DEADLINE)).isTrue();
            ReplicationSite.CommandRun quiet = verify(site);
            assertThat(quiet.exitCode()).as(quiet.output()).isZero();
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    @Test
    void aDifferencePlantedInTheReplicaIsFoundAndRepaired() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "32M").start()) {
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x11 0 1M", "write -P 0x22 16M 2M",
                    "write -P 0x33 " + (DISK - (1 << 20)) + " 1M");
            ReplicationSite.CommandRun clean = verify(site);
            assertThat(clean.exitCode()).as(clean.output()).isZero();
            assertThat(clean.output()).contains("EQUAL");

            long insideAHole = 40L << 20;
            plant(site.replica(), 0);
            plant(site.replica(), DISK - 4096);
            plant(site.replica(), insideAHole + 8192);
            assertThat(Disks.sha256(site.replica())).isNotEqualTo(Disks.sha256(site.sourceDisk()));

            ReplicationSite.CommandRun found = verify(site);
            assertThat(found.exitCode()).as(found.output()).isOne();
            assertThat(found.output()).contains("DIFFERENT").contains("3 differ")
                    .contains("differs: [0, " + REGION + ")")
                    .contains("differs: [" + insideAHole + ", " + (insideAHole + REGION) + ")")
                    .contains("differs: [" + (DISK - REGION) + ", " + DISK + ")");
            assertThat(Disks.sha256(site.replica())).as("verify alone changes nothing")
                    .isNotEqualTo(Disks.sha256(site.sourceDisk()));

            ReplicationSite.CommandRun repaired = verify(site, "--repair");
            assertThat(repaired.exitCode()).as(repaired.output() + site.logTails()).isZero();
            assertThat(repaired.output()).contains("DIFFERENT, REPAIRED");
            assertThat(ConvergenceCheck.await(site, DEADLINE)).isTrue();
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
            ReplicationSite.CommandRun after = verify(site);
            assertThat(after.exitCode()).as(after.output()).isZero();
        }
    }

    /** Writes 4 KiB of 0x5a into the replica at {@code offset}, as a failing disk or a stray writer would. */
    private static void plant(Path replica, long offset) throws Exception {
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 0x5a);
        try (FileChannel channel = FileChannel.open(replica, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(block), offset);
            channel.force(false);
        }
    }

    private ReplicationSite.CommandRun verify(ReplicationSite site, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("verify", "--cg", Integer.toString(ReplicationSite.CG),
                "--online", "--admin", site.sourceAdmin(), "--admin-token-file", site.adminToken().toString()));
        command.addAll(List.of(more));
        return DaemonProcess.command(base, COMMAND, command);
    }
}
