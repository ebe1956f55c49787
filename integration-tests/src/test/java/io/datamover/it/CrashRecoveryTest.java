package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.cli.Main;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * kill -9 of the source gateway, later of the target gateway, in the middle of a guest's write stream, each
 * restarted: the replica converges to the source, nothing lost. Every component is a real {@code bin/datamover}
 * process; the guest is fio over NBD.
 */
class CrashRecoveryTest {
    private static final long DISK = 256L << 20;

    @TempDir
    Path base;

    @Test
    void theReplicaConvergesAfterKillMinus9OfEachGatewayMidStream() throws Exception {
        Tools.assumeInstalled("fio");
        Path source = Disks.sparse(base.resolve("vm.img"), DISK);
        int targetPort = LoopbackPorts.next();
        int sourcePort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        Path replica = base.resolve("replicas/cg-1/vm.img");
        String targetAdmin = freeAdminPort();
        try (DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                        "--listen", "127.0.0.1:" + targetPort, "--data-dir", base.resolve("target-data").toString(),
                        "--replica-dir", base.resolve("replicas").toString(), "--admin", targetAdmin).start(targetPort);
                DaemonProcess gateway = new DaemonProcess("source-gateway", base.resolve("source.log"),
                        "source-gateway", "--listen", "127.0.0.1:" + sourcePort, "--target",
                        "127.0.0.1:" + targetPort, "--data-dir", base.resolve("source-data").toString(),
                        "--admin", freeAdminPort()).start(sourcePort);
                DaemonProcess tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export",
                        "vm=" + source, "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort,
                        "--state-dir", base.resolve("tap-state").toString(), "--admin", freeAdminPort()).start(nbdPort)) {
            Tools.Running guest = Tools.start("fio", "--name=guest", "--ioengine=nbd",
                    "--uri=nbd://127.0.0.1:" + nbdPort + "/vm", "--rw=randwrite", "--bsrange=4k-64k",
                    "--size=" + DISK, "--rate=3m", "--runtime=16", "--time_based", "--iodepth=8",
                    "--randseed=11", "--refill_buffers");
            pause(Duration.ofSeconds(4));
            gateway.kill9();
            pause(Duration.ofSeconds(1));
            gateway.start(sourcePort);
            pause(Duration.ofSeconds(4));
            target.kill9();
            pause(Duration.ofSeconds(1));
            target.start(targetPort);
            Tools.Result fio = guest.await(Duration.ofSeconds(120));
            assertThat(fio.exitCode()).as(fio.output()).isZero();

            String expected = Disks.sha256(source);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(replica).exists().satisfies(r ->
                            assertThat(Disks.sha256(r)).as("replica digest; tap log:%n%s", tap.log())
                                    .isEqualTo(expected)));
            assertThat(tap.log()).contains("disconnected from gateway") // the source's kill hit the stream
                    .doesNotContain("BITMAP mode"); // and the outage was ridden through

            assertThat(Disks.allocatedBytes(replica)).isLessThanOrEqualTo(Disks.allocatedBytes(source) * 101 / 100);
            // The restarted target's admin port tells the same.
            StringWriter status = new StringWriter();
            assertThat(new CommandLine(new Main()).setOut(new PrintWriter(status, true))
                    .execute("status", "--gateway", targetAdmin)).isZero();
            assertThat(status.toString()).contains("cg 1 of pair default: UP_TO_DATE", "disk vm");
        }
    }

    /** The guest keeps writing meanwhile: this only spaces the faults out. */
    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /** Each daemon's admin port on a free port, not the fixed default another build on this host may hold. */
    private static String freeAdminPort() throws IOException {
        return "127.0.0.1:" + LoopbackPorts.next();
    }
}
