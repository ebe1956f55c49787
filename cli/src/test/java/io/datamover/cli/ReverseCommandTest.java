package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.DiskInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover reverse}'s options, refusals and exit statuses; the rest in ReverseReplicationTest. */
class ReverseCommandTest {
    private static final DiskInfo DISK = new DiskInfo(1, "system", 1024 * 1024, 4096);

    @TempDir
    Path base;

    private final CliRun cli = new CliRun();

    @Test
    void oneSiteAtATimeWithAllItsDirectories() {
        assertThat(cli.run("reverse", "--cg", "3")).isEqualTo(2);
        assertThat(cli.run("reverse", "--cg", "3", "--promoted-replicas", "a", "--source-data", "b",
                "--original-source-data", "c", "--tap-state", "d", "--export", "x=y", "--promoted-seq", "4",
                "--replica-dir", "e")).isEqualTo(2);
        assertThat(cli.run("reverse", "--cg", "3", "--original-source-data", "c", "--tap-state", "d")).isEqualTo(2);
    }

    @Test
    void theRecoverySiteThroughItsRunningDaemonsNeedsBothAdminAddressesAndSaysWhenOneDoesNotAnswer()
            throws Exception {
        assertThat(cli.run("reverse", "--cg", "3", "--target-admin", "127.0.0.1:1")).isEqualTo(2);
        assertThat(cli.run("reverse", "--cg", "3", "--target-admin", "127.0.0.1:1", "--reverse-source-admin",
                "127.0.0.1:1", "--promoted-replicas", "a", "--source-data", "b")).isEqualTo(2);
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertThat(cli.run("reverse", "--cg", "3", "--target-admin", "127.0.0.1:" + closed,
                "--reverse-source-admin", "127.0.0.1:" + closed)).isEqualTo(3);
        assertThat(cli.err.toString()).contains("datamover reverse: a daemon did not answer: cannot reach the target "
                + "gateway (--target-admin)");
    }

    @Test
    void theRecoverySiteNeedsAPromotedGroupAndChangesNothingElse() throws Exception {
        Path replicaDir = base.resolve("replicas");
        try (ReplicaSet replicas = ReplicaSet.open(TargetGateway.replicaSetDirectory(replicaDir, 3),
                new ReplicaSetConfig("pair-a", 3, List.of(DISK), Provisioning.THIN))) {
            assertThat(replicas.appliedSeq()).isZero();
        }
        Path sourceData = base.resolve("source-data");
        assertThat(cli.run("reverse", "--cg", "3", "--promoted-replicas", replicaDir.toString(), "--source-data",
                sourceData.toString())).isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(cli.err.toString()).contains("refused").contains("is not PROMOTED")
                .contains("run datamover failover first");
        assertThat(Files.exists(sourceData)).isFalse();
    }
}
