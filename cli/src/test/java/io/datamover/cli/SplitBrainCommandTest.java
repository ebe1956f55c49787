package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.gateway.target.TargetGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover split-brain resolve}'s options, refusals and exit statuses; the resolution in SplitBrainTest. */
class SplitBrainCommandTest {
    @TempDir
    Path base;

    private final CliRun cli = new CliRun();

    @Test
    void discardingTheRecoverySiteMakesThePromotedDisksReplicasAgainOnce() throws Exception {
        Path replicaDir = base.resolve("replicas");
        Path set = TargetGateway.replicaSetDirectory(replicaDir, 12);
        CliRun.syncedReplicaSet(set);
        Path tapState = Files.createDirectories(base.resolve("recovery-tap"));
        String[] resolve = {"split-brain", "resolve", "--cg", "12", "--discard", "recovery", "--promoted-replicas",
            replicaDir.toString(), "--tap-state", tapState.toString()};

        assertThat(cli.run(resolve)).isZero();
        assertThat(cli.out.toString()).contains("not PROMOTED here").contains("nothing changed");
        cli.out.getBuffer().setLength(0);

        assertThat(cli.run("failover", "--cg", "12", "--force", "--replica-dir", replicaDir.toString(), "--data-dir",
                base.resolve("target-data").toString())).isZero();
        assertThat(cli.run(resolve)).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("replicas of the original site again (seq 3")
                .contains("(0 bytes)").contains("datamover resync --cg 12 --discard replica");
        try (ReplicaSet replicas = ReplicaSet.open(set, CliRun.ONE_DISK_GROUP)) {
            assertThat(replicas.states()).containsValues(ReplicaState.UP_TO_DATE);
        }
        assertThat(cli.run(resolve)).isZero();
        assertThat(cli.out.toString()).contains("resolved already");
    }

    @Test
    void discardingTheOriginalSiteIsReverseReplicationAndWrongOptionsAreTwo() {
        assertThat(cli.run("split-brain", "resolve", "--cg", "1", "--discard", "original"))
                .isEqualTo(SplitBrainCommand.EXIT_USE_REVERSE);
        assertThat(cli.err.toString()).contains("datamover reverse --cg 1 at both sites").contains("Nothing changed");
        assertThat(cli.run("split-brain", "resolve", "--cg", "1", "--discard", "recovery")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("needs --promoted-replicas and --tap-state");
        assertThat(cli.run("split-brain", "resolve", "--cg", "1", "--discard", "both")).isEqualTo(2);
    }
}
