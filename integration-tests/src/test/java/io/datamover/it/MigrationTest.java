package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.link.LinkSpec;
import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datamover migrate} on a running pair of {@code bin/datamover} processes, fio writing through the tap the
 * whole time (docs/operations.md, "Planned migration"), on one pair: first a migration whose drain cannot finish
 * (the link stalled) times out, releases the writes and leaves the original site primary and writing; then, the link
 * back, the four phases end with the replica equal to the source
 * disk (SHA-256: every write the guest got acknowledged reached the replica), the original tap refusing writes and
 * saying where the disk lives, the replicas PROMOTED, and a tap at the recovery site taking the guest's writes.
 */
class MigrationTest {
    private static final long DISK = 64L << 20;
    private static final Duration COMMAND = Duration.ofMinutes(3);
    /** The tap's window: fio's writes stream even while a loaded machine acknowledges them late. */
    static final String WINDOW = "64M";
    static final String NOW_AT = "the recovery site (nbd://recovery:10809/vm)";

    @TempDir
    Path base;

    // Once disabled (issue 18): the shipper's reconnect after the stall released the seqs whose acks the stall had
    // lost while it sought to the target's resume point, and a seek that saw half of that release skipped every
    // record; fixed in the journal (one retention point for readers), JournalTest covers the race.
    @Test
    void aStalledDrainTimesOutAndTheOriginalSiteWritesOn() throws Exception {
        Tools.assumeInstalled("fio");
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, WINDOW).start()) {
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x11 0 1M");

            // The link stalls under fio: the drain cannot finish, times out, and the original site writes on.
            Tools.Running stalledGuest = fio(site.nbdPort(), "20", 1);
            site.linkOutage(Duration.ofMinutes(5), LinkSpec.Outage.Kind.STALL);
            long stalledAt = site.tapStatus().lastSeq();
            FaultAwaits.until(FaultAwaits.DEADLINE, "fio writing past the stall",
                    () -> site.tapStatus().lastSeq() > stalledAt + 10);
            streaming(site);
            ReplicationSite.CommandRun timedOut = migrate(site, "--max-lag", "120", "--max-pause", "120",
                    "--drain-timeout", "3");
            assertThat(timedOut.exitCode()).as(timedOut.output() + site.logTails()).isEqualTo(4);
            assertThat(timedOut.output()).contains("not at RPO 0 after --drain-timeout 3 s")
                    .contains("the writes are released");
            // The original site takes writes again. Asked of a write of its own: fio's 20 s may have ended while its
            // last writes were held (a loaded machine starts the command's JVM slowly), and then it writes no more.
            long released = site.tapStatus().lastSeq();
            Tools.Result written = Tools.run(FaultAwaits.DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort()
                    + "/" + ReplicationSite.EXPORT, "write -P 0x33 2M 64k"));
            assertThat(written.exitCode()).as(written.output()).isZero();
            assertThat(site.tapStatus().lastSeq()).isGreaterThan(released);
            Tools.Result stalledFio = stalledGuest.await(COMMAND);
            assertThat(stalledFio.exitCode()).as("the guest saw latency, never an error: " + stalledFio.output())
                    .isZero();
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"SECONDARY\"");
            assertThat(AdminStatus.json(site.tapAdmin())).contains("\"operation\":null");
            site.link().endOutage();
            assertThat(ConvergenceCheck.await(site, COMMAND)).as(site.logTails()).isTrue();
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));

        }
    }

    @Test
    void aMigrationUnderFioHandsOffAtRpoZero() throws Exception {
        Tools.assumeInstalled("fio");
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, WINDOW).start()) {
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x11 0 1M");

            // The link is back: the migration under fio hands off at RPO 0.
            Tools.Running guest = fio(site.nbdPort(), "120", 2);
            long before = site.targetStatus().appliedSeq();
            FaultAwaits.until(FaultAwaits.DEADLINE, "fio's writes replicating",
                    () -> site.targetStatus().appliedSeq() > before + 20);
            streaming(site);
            ReplicationSite.CommandRun migrated = migrate(site, "--max-pause", "30");
            System.out.println("datamover migrate under fio (1 MiB/s):\n" + migrated.output());
            assertThat(migrated.exitCode()).as(migrated.output() + site.logTails()).isZero();
            assertThat(migrated.output()).contains("phase 1/4 check").contains("phase 2/4 quiesce")
                    .contains("phase 3/4 drain: the replicas applied seq").contains("PROMOTED at seq")
                    .contains("phase 4/4 hand-off: done").containsPattern("guest-visible pause: [0-9.]+ s");

            // fio's writes after the hand-off are refused (EPERM): it stops with errors, nothing more is written.
            Tools.Result fioResult = guest.await(COMMAND);
            assertThat(fioResult.output()).contains("Operation not permitted");
            assertThat(Disks.sha256(site.replica())).as("the replica holds every acknowledged write")
                    .isEqualTo(Disks.sha256(site.sourceDisk()));
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"PROMOTED\"");
            assertThat(AdminStatus.json(site.tapAdmin())).contains("moved: writes refused here: " + NOW_AT);
            Tools.Result refused = Tools.run(FaultAwaits.DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort()
                    + "/" + ReplicationSite.EXPORT, "write -P 0x22 0 4k"));
            assertThat(refused.output()).contains("Operation not permitted");
            assertThat(site.tap().log()).contains(NOW_AT);

            // A rerun finds the migration done: same answer, nothing changed.
            ReplicationSite.CommandRun again = migrate(site, "--max-pause", "30");
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(again.output()).contains("moved the group at seq").contains("PROMOTED at seq");

            // The guest writes on at the recovery site, through a tap on the promoted replica.
            int recoveryNbd = LoopbackPorts.next();
            try (DaemonProcess recoveryTap = recoveryTap(site, recoveryNbd)) {
                recoveryTap.start(recoveryNbd);
                Tools.Result writes = fio(recoveryNbd, "3", 7).await(COMMAND);
                assertThat(writes.exitCode()).as(writes.output()).isZero();
                Tools.Result readBack = Tools.run(FaultAwaits.DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + recoveryNbd
                        + "/" + ReplicationSite.EXPORT, "write -P 0x5a 40M 64k", "read -P 0x5a 40M 64k"));
                assertThat(readBack.output()).as(readBack.output()).doesNotContain("fail")
                        .doesNotContain("Pattern verification");
            }
            assertThat(Disks.sha256(site.replica())).isNotEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    /** Waits until the tap streams and the replicas are UP_TO_DATE: what the migration's check asks. */
    static void streaming(ReplicationSite site) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the tap STREAMING, the replicas UP_TO_DATE", () -> {
            AdminStatus tap = site.tapStatus();
            AdminStatus target = site.targetStatus();
            return tap != null && tap.state().equals("STREAMING") && target != null
                    && target.state().equals("UP_TO_DATE");
        });
    }

    /** fio's random writes through the tap at {@code nbdPort} for {@code seconds}, in the background; seeded. */
    static Tools.Running fio(int nbdPort, String seconds, int seed) throws Exception {
        return Tools.start("fio", "--name=guest", "--ioengine=nbd", "--uri=nbd://127.0.0.1:" + nbdPort + "/"
                + ReplicationSite.EXPORT, "--rw=randwrite", "--bsrange=4k-64k", "--size=32M", "--iodepth=2",
                "--rate=1m", "--time_based", "--runtime=" + seconds, "--randseed=" + seed, "--refill_buffers");
    }

    /** {@code datamover migrate --cg 1} on the site's three admin ports with the operator's token, and {@code args}. */
    static ReplicationSite.CommandRun migrate(ReplicationSite site, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("migrate", "--cg", Integer.toString(ReplicationSite.CG),
                "--tap-admin", site.tapAdmin(), "--source-admin", site.sourceAdmin(), "--target-admin",
                site.targetAdmin(), "--admin-token-file", site.adminToken().toString(), "--now-at", NOW_AT));
        command.addAll(List.of(args));
        return DaemonProcess.command(site.adminToken().getParent(), COMMAND, command);
    }

    /** A tap at the recovery site on the promoted replica, with no gateway to reach (bitmap mode). */
    static DaemonProcess recoveryTap(ReplicationSite site, int nbdPort) throws Exception {
        Path state = site.adminToken().resolveSibling("recovery-tap-state");
        return new DaemonProcess("recovery-tap", site.adminToken().resolveSibling("recovery-tap.log"), "tap",
                "--export", ReplicationSite.EXPORT + "=" + site.replica(), "--cg-id", "1", "--initial-sync", "skip",
                "--state-dir", state.toString(), "--gateway", "127.0.0.1:" + LoopbackPorts.next(), "--connect-wait",
                "1", "--nbd", "127.0.0.1:" + nbdPort, "--admin", ReplicationSite.admin());
    }
}
