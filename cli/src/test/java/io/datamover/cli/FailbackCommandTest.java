package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.FailbackRecord;
import io.datamover.gateway.target.TargetGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover failback}'s options, refusals and exit statuses; the rest in FailbackCrashTest and DrCycleTest. */
class FailbackCommandTest {
    @TempDir
    Path base;

    private final CliRun cli = new CliRun();

    @Test
    void oneSiteAtATimeWithAllItsDirectories() {
        assertThat(cli.run("failback", "--cg", "3")).isEqualTo(2);
        assertThat(cli.run("failback", "--cg", "3", "--promoted-replicas", "a", "--reverse-source-data", "b",
                "--recovery-tap-state", "c", "--seq", "4", "--replica-dir", "d", "--new-source-data", "e",
                "--tap-state", "f")).isEqualTo(2);
        assertThat(cli.run("failback", "--cg", "3", "--seq", "4", "--replica-dir", "d")).isEqualTo(2);
    }

    @Test
    void throughTheRunningDaemonsAllThreeAdminAddressesAndNoDirectories() throws Exception {
        assertThat(cli.run("failback", "--cg", "3", "--tap-admin", "127.0.0.1:1")).isEqualTo(2);
        assertThat(cli.run("failback", "--cg", "3", "--tap-admin", "127.0.0.1:1", "--source-admin", "127.0.0.1:1",
                "--target-admin", "127.0.0.1:1", "--seq", "4", "--replica-dir", "d", "--new-source-data", "e",
                "--tap-state", "f")).isEqualTo(2);
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String admin = "127.0.0.1:" + closed;
        assertThat(cli.run("failback", "--cg", "3", "--tap-admin", admin, "--source-admin", admin, "--target-admin",
                admin)).isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(cli.err.toString()).contains("datamover failback: refused: phase 1/4 check: cannot reach the tap");
    }

    @Test
    void theRecoverySiteNeedsAPromotedGroupAndChangesNothing() throws Exception {
        Path replicaDir = base.resolve("replicas");
        CliRun.syncedReplicaSet(TargetGateway.replicaSetDirectory(replicaDir, 12));
        Path tapState = base.resolve("recovery-tap");
        assertThat(cli.run("failback", "--cg", "12", "--promoted-replicas", replicaDir.toString(),
                "--reverse-source-data", base.resolve("source").toString(), "--recovery-tap-state",
                tapState.toString())).isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(cli.err.toString()).contains("refused").contains("is not PROMOTED");
        assertThat(FailbackRecord.read(TargetGateway.replicaSetDirectory(replicaDir, 12))).isEmpty();
        assertThat(tapState.resolve("failed-back")).doesNotExist();
    }

    @Test
    void theOriginalSiteNeedsItsReplicasAtExactlyTheFailbackSeq() throws Exception {
        Path replicaDir = base.resolve("replicas");
        CliRun.syncedReplicaSet(TargetGateway.replicaSetDirectory(replicaDir, 12)); // at seq 3
        Path sourceData = base.resolve("source-2");
        for (String seq : new String[] {"4", "2"}) {
            assertThat(cli.run("failback", "--cg", "12", "--seq", seq, "--replica-dir", replicaDir.toString(),
                    "--new-source-data", sourceData.toString(), "--tap-state", base.resolve("tap").toString()))
                    .isEqualTo(FailoverCommand.EXIT_REFUSED);
        }
        assertThat(cli.err.toString()).contains("not at RPO 0: the replicas hold seq 3 of the 4")
                .contains("hold seq 3, beyond the 2");
        assertThat(FailbackRecord.read(TargetGateway.replicaSetDirectory(replicaDir, 12))).isEmpty();
        assertThat(Files.exists(sourceData)).isFalse();
    }
}
