package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.FailbackRecord;
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

/** {@code datamover failback}'s options, refusals and exit statuses; the rest in FailbackCrashTest and DrCycleTest. */
class FailbackCommandTest {
    private static final DiskInfo DISK = new DiskInfo(1, "system", 1024 * 1024, 4096);

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
    void theRecoverySiteNeedsAPromotedGroupAndChangesNothing() throws Exception {
        Path replicaDir = unpromotedReplicas();
        Path tapState = base.resolve("recovery-tap");
        assertThat(cli.run("failback", "--cg", "3", "--promoted-replicas", replicaDir.toString(),
                "--reverse-source-data", base.resolve("source").toString(), "--recovery-tap-state",
                tapState.toString())).isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(cli.err.toString()).contains("refused").contains("is not PROMOTED");
        assertThat(FailbackRecord.read(TargetGateway.replicaSetDirectory(replicaDir, 3))).isEmpty();
        assertThat(tapState.resolve("failed-back")).doesNotExist();
    }

    @Test
    void theOriginalSiteNeedsItsReplicasAtTheFailbackSeq() throws Exception {
        Path replicaDir = unpromotedReplicas();
        Path sourceData = base.resolve("source-2");
        assertThat(cli.run("failback", "--cg", "3", "--seq", "4", "--replica-dir", replicaDir.toString(),
                "--new-source-data", sourceData.toString(), "--tap-state", base.resolve("tap").toString()))
                .isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(cli.err.toString()).contains("refused").contains("not UP_TO_DATE");
        assertThat(FailbackRecord.read(TargetGateway.replicaSetDirectory(replicaDir, 3))).isEmpty();
        assertThat(Files.exists(sourceData)).isFalse();
    }

    /** A replica set of group 3 whose initial sync never ran: INCONSISTENT at seq 0. */
    private Path unpromotedReplicas() throws Exception {
        Path replicaDir = base.resolve("replicas");
        try (ReplicaSet replicas = ReplicaSet.open(TargetGateway.replicaSetDirectory(replicaDir, 3),
                new ReplicaSetConfig("pair-a", 3, List.of(DISK), Provisioning.THIN))) {
            assertThat(replicas.appliedSeq()).isZero();
        }
        return replicaDir;
    }
}
