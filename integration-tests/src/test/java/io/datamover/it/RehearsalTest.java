package io.datamover.it;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LabTls;
import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rehearsal end to end, the daemons as processes (docs/operations.md, "Rehearsal"): a pair replicates what
 * qemu-io writes; {@code rehearse start} serves the replica's image at that seq over NBD; the guest keeps writing and
 * the replica keeps advancing while the view (read whole with nbdcopy) keeps the image of the start; qemu-io's
 * writes through the view read back and never reach the replica; past {@code --scratch-max} the test VM gets
 * ENOSPC; {@code rehearse stop} deletes the scratch and the kept regions and the replica converges to the source.
 * The view requires TLS with the target gateway's certificates: the test VM's clients start it (NBD_OPT_STARTTLS)
 * with a certificate of the lab CA; a plaintext client and one without a certificate are refused.
 */
class RehearsalTest {
    private static final long DISK = 32L << 20;
    private static final Duration COMMAND_DEADLINE = Duration.ofMinutes(2);
    private static final Duration CLIENT = Duration.ofSeconds(60);

    @TempDir
    Path base;

    @Test
    void aTestVmSeesTheReplicaOfTheStartWhileReplicationGoesOnAndItsWritesAreDiscardedAtStop() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Tools.assumeInstalled("nbdcopy");
        Tools.assumeInstalled("openssl");
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        int viewPort = LoopbackPorts.next();
        String targetAdmin = ReplicationSite.admin();
        String tapAdmin = ReplicationSite.admin();
        Path sourceDisk = Disks.sparse(base.resolve("vm.img"), DISK);
        Path replica = base.resolve("replicas").resolve("cg-1").resolve("vm.img");
        Path rehearsalFiles = base.resolve("target-data").resolve("cg-1").resolve("rehearsal");
        AdminTokenFile.write(adminToken(), "the-recovery-site-operator-secret");
        DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", base.resolve("target-data").toString(),
                "--replica-dir", base.resolve("replicas").toString(), "--admin", targetAdmin,
                "--admin-token-file", adminToken().toString());
        DaemonProcess source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                base.resolve("source-data").toString(), "--admin", ReplicationSite.admin());
        DaemonProcess tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export", "vm=" + sourceDisk,
                "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort, "--state-dir",
                base.resolve("tap-state").toString(), "--initial-sync", "skip", "--admin", tapAdmin);
        try (target; source; tap) {
            target.start(targetPort);
            source.start(sourcePort);
            tap.start(nbdPort);
            String guest = "nbd://127.0.0.1:" + nbdPort + "/vm";
            qemu(guest, "write -P 0x11 0 4M", "write -P 0x22 8M 1M", "write -z 1M 512k", "write -P 0x33 20M 64k");
            long startSeq = awaitReplicaCaughtUp(targetAdmin, tapAdmin);
            String atStart = Disks.sha256(sourceDisk);
            assertThat(Disks.sha256(replica)).isEqualTo(atStart);

            ReplicationSite.CommandRun started = datamover("rehearse", "start", "--cg", "1", "--admin", targetAdmin, "--nbd",
                    "127.0.0.1:" + viewPort, "--scratch-max", "1M", "--preserve-max", "64M");
            assertThat(started.exitCode()).as(started.output()).isZero();
            assertThat(started.output()).contains("on the image at seq " + startSeq)
                    .contains("nbd://127.0.0.1:" + viewPort + "/vm");
            ReplicationSite.CommandRun again = datamover("rehearse", "start", "--cg", "1", "--admin", targetAdmin, "--nbd",
                    "127.0.0.1:" + viewPort, "--scratch-max", "1M", "--preserve-max", "64M");
            assertThat(again.exitCode()).as("idempotent: " + again.output()).isZero();
            ReplicationSite.CommandRun second = datamover("rehearse", "start", "--cg", "1", "--admin", targetAdmin, "--nbd",
                    "127.0.0.1:" + LoopbackPorts.next());
            assertThat(second.exitCode()).as("one rehearsal per group: " + second.output()).isOne();
            assertThat(second.output()).contains("runs already");
            String plainView = "nbd://127.0.0.1:" + viewPort + "/vm";
            NbdTlsClient testVm = NbdTlsClient.create(base.resolve("test-vm-tls"), LabTls.dir("default", 1), true);
            String view = testVm.uri(viewPort, "vm");
            assertThat(viewSha256(view)).isEqualTo(atStart);

            // TLS is required: a plaintext client is refused, and so is one that shows no certificate of the CA.
            Tools.Result plaintext = Tools.run(CLIENT, qemuIo(plainView, "read 0 4k"));
            assertThat(plaintext.exitCode()).as(plaintext.output()).isNotZero();
            NbdTlsClient anonymous = NbdTlsClient.create(base.resolve("anonymous-tls"), LabTls.dir("default", 1),
                    false);
            Tools.Result unproven = Tools.run(CLIENT, "nbdinfo", anonymous.uri(viewPort, "vm"));
            assertThat(unproven.exitCode()).as(unproven.output()).isNotZero();
            assertThat(target.log()).contains("(tls_required)").contains("(tls_handshake)");

            // The guest goes on writing over what the view shows; the replica follows, the view does not.
            qemu(guest, "write -P 0x44 0 2M", "write -P 0x55 8M 512k", "discard 20M 64k", "write -P 0x66 30M 1M");
            long later = awaitReplicaCaughtUp(targetAdmin, tapAdmin);
            assertThat(later).isGreaterThan(startSeq);
            assertThat(Disks.sha256(replica)).isEqualTo(Disks.sha256(sourceDisk)).isNotEqualTo(atStart);
            assertThat(viewSha256(view)).isEqualTo(atStart);
            assertThat(Files.list(rehearsalFiles).toList()).isNotEmpty();
            assertThat(AdminStatus.json(targetAdmin)).contains("rehearsal running since")
                    .contains("on the image at seq " + startSeq).contains("of 1048576 bytes, before-images ");
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "datamover_rehearsal_preserved_bytes", () -> AdminMetrics.sum(
                    targetAdmin, "datamover_rehearsal_preserved_bytes", "cg=\"1\""), 64 * 1024);

            // The test VM's writes read back from the view and never reach the replica.
            String replicaBefore = Disks.sha256(replica);
            runQemuIo(testVm.qemuIo(viewPort, "vm", "write -P 0x77 4M 256k", "read -P 0x77 4M 256k",
                    "read -P 0x11 2M 1M", "read -P 0x22 8M 1M"));
            assertThat(Disks.sha256(replica)).isEqualTo(replicaBefore);

            // Past --scratch-max (1 MiB, 256 KiB used): ENOSPC to the test VM, replication untouched.
            Tools.Result full = Tools.run(CLIENT, testVm.qemuIo(viewPort, "vm", "write -P 0x78 10M 1M"));
            assertThat(full.output()).contains("No space left on device");
            qemu(guest, "write -P 0x79 12M 1M");
            awaitReplicaCaughtUp(targetAdmin, tapAdmin);

            ReplicationSite.CommandRun stopped = datamover("rehearse", "stop", "--cg", "1", "--admin", targetAdmin);
            assertThat(stopped.exitCode()).as(stopped.output()).isZero();
            assertThat(stopped.output()).contains("stopped").contains("deleted");
            ReplicationSite.CommandRun stoppedAgain = datamover("rehearse", "stop", "--cg", "1", "--admin", targetAdmin);
            assertThat(stoppedAgain.exitCode()).as(stoppedAgain.output()).isZero();
            assertThat(stoppedAgain.output()).contains("stopped already");
            assertThat(rehearsalFiles).doesNotExist();
            Tools.Result gone = Tools.run(CLIENT, testVm.qemuIo(viewPort, "vm", "read 0 4k"));
            assertThat(gone.exitCode()).as("the view is no longer served").isNotZero();

            // A target gateway killed during a rehearsal ends it when it starts again; the replica goes on.
            int secondViewPort = LoopbackPorts.next();
            ReplicationSite.CommandRun restarted = datamover("rehearse", "start", "--cg", "1", "--admin", targetAdmin, "--nbd",
                    "127.0.0.1:" + secondViewPort);
            assertThat(restarted.exitCode()).as(restarted.output()).isZero();
            runQemuIo(testVm.qemuIo(secondViewPort, "vm", "write -P 0x7b 0 64k"));
            qemu(guest, "write -P 0x7c 0 1M");
            awaitReplicaCaughtUp(targetAdmin, tapAdmin);
            target.kill9();
            target.start(targetPort);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the group reopened", () -> target.log()
                    .contains("a rehearsal was running when the gateway stopped"));
            assertThat(rehearsalFiles).doesNotExist();
            assertThat(AdminStatus.json(targetAdmin)).doesNotContain("rehearsal running");

            qemu(guest, "write -P 0x7a 16M 2M");
            awaitReplicaCaughtUp(targetAdmin, tapAdmin);
            assertThat(Disks.sha256(replica)).isEqualTo(Disks.sha256(sourceDisk));
            assertThat(target.log()).contains("rehearsal running on the image at seq " + startSeq)
                    .contains("rehearsal stopped");
        }
    }

    /** Waits until the target applied everything the tap sequenced; that seq. */
    private static long awaitReplicaCaughtUp(String targetAdmin, String tapAdmin) throws Exception {
        return FaultAwaits.caughtUp(FaultAwaits.DEADLINE, "the replica up to date with the tap", targetAdmin, tapAdmin);
    }

    /** The whole view, copied by nbdcopy into a file: its SHA-256. */
    private String viewSha256(String uri) throws Exception {
        Path copy = Files.createTempFile(base, "view", ".img");
        Tools.Result r = Tools.run(CLIENT, "nbdcopy", uri, copy.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(Files.size(copy)).isEqualTo(DISK);
        String sha = Disks.sha256(copy);
        Files.delete(copy);
        return sha;
    }

    private static void qemu(String uri, String... commands) throws Exception {
        runQemuIo(qemuIo(uri, commands));
    }

    /** A qemu-io command line run to its end: it succeeded, every read matched its pattern. */
    private static void runQemuIo(String[] qemuIo) throws Exception {
        Tools.Result r = Tools.run(CLIENT, qemuIo);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).as(String.join(" ", qemuIo)).doesNotContain("failed")
                .doesNotContain("Pattern verification");
    }

    /** {@code datamover args...}, its exit code and output. */
    /** {@code bin/datamover args... --admin-token-file <the target gateway's token>}: rehearse is an operator's call. */
    private ReplicationSite.CommandRun datamover(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--admin-token-file", adminToken().toString()));
        return DaemonProcess.command(base, COMMAND_DEADLINE, command);
    }

    /** The target gateway's admin token (its {@code --admin-token-file}). */
    private Path adminToken() {
        return base.resolve("admin-token");
    }
}
