package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.Applier;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaState;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollbackCommandTest {
    private static final DiskInfo DISK = new DiskInfo(1, "system", 1024 * 1024, 4096);
    private static final ReplicaSetConfig CONFIG = new ReplicaSetConfig("pair-a", 12, List.of(DISK), Provisioning.THIN);

    @TempDir
    Path replicaDir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void midResyncTheReplicaGoesBackToItsConsistentImage() throws Exception {
        Path set = TargetGateway.replicaSetDirectory(replicaDir, 12);
        byte[] atSeqThree;
        try (ReplicaSet replicas = ReplicaSet.open(set, CONFIG)) {
            Applier applier = new Applier(replicas, new SimpleMeterRegistry());
            applier.apply(1, 3, List.of(BlockWrite.marker(1, 1, RecordKind.SYNC_BEGIN), data(2, 0, 7),
                    BlockWrite.marker(3, 1, RecordKind.SYNC_END)));
            atSeqThree = Files.readAllBytes(set.resolve("system.img"));
            applier.apply(4, 6, List.of(BlockWrite.marker(4, 1, RecordKind.SYNC_BEGIN), data(5, 0, 8),
                    data(6, 65536, 9)));
        }

        int exit = run("rollback", "--replica-dir", replicaDir.toString(), "--cg", "12");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("rolled back consistency group 12 in " + set
                + " from applied seq 6 to its consistent image at seq 3 (2 regions");
        assertThat(Files.readAllBytes(set.resolve("system.img"))).isEqualTo(atSeqThree);
        try (ReplicaSet replicas = ReplicaSet.open(set, CONFIG)) {
            assertThat(replicas.appliedSeq()).isEqualTo(3);
            assertThat(replicas.states()).containsExactly(Map.entry(1, ReplicaState.UP_TO_DATE));
        }

        assertThat(run("rollback", "--replica-dir", replicaDir.toString(), "--cg", "12")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("rollback: refused: the replica is consistent already: every disk in "
                + set + " is UP_TO_DATE at seq 3 and no resync is under way" + System.lineSeparator());
    }

    @Test
    void anInitialSyncOrNoReplicaSetIsRefusedInOneLine() throws Exception {
        assertThat(run("rollback", "--replica-dir", replicaDir.toString(), "--cg", "12")).isEqualTo(2);
        assertThat(err.toString()).contains("holds no replica set").hasLineCount(1);

        try (ReplicaSet replicas = ReplicaSet.open(TargetGateway.replicaSetDirectory(replicaDir, 12), CONFIG)) {
            new Applier(replicas, new SimpleMeterRegistry()).apply(1, 2,
                    List.of(BlockWrite.marker(1, 1, RecordKind.SYNC_BEGIN), data(2, 0, 7)));
        }
        err.getBuffer().setLength(0);
        assertThat(run("rollback", "--replica-dir", replicaDir.toString(), "--cg", "12")).isEqualTo(2);
        assertThat(err.toString()).startsWith("rollback: refused: initial sync: no consistent image exists")
                .hasLineCount(1);
    }

    private static BlockWrite data(long seq, long offset, int value) {
        return CliRun.block(seq, offset, value);
    }

    private int run(String... args) {
        return cli.run(args);
    }
}
