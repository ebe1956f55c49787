package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.gateway.target.TargetGateway;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover failover}'s options, refusals and exit statuses; the failover itself in FailoverTest. */
class FailoverCommandTest {
    @TempDir
    Path base;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void onAStoppedGatewaysDirectoriesItNeedsForceThenPromotesOnceAndAgainChangesNothing() throws Exception {
        Path replicaDir = base.resolve("replicas");
        Path set = TargetGateway.replicaSetDirectory(replicaDir, 12);
        CliRun.syncedReplicaSet(set);
        byte[] image = Files.readAllBytes(set.resolve("system.img"));
        String[] offline = {"failover", "--cg", "12", "--replica-dir", replicaDir.toString(), "--data-dir",
            base.resolve("target-data").toString()};

        assertThat(run(offline)).isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(err.toString()).contains("cannot be seen").contains("--force").hasLineCount(1);

        assertThat(run(append(offline, "--force"))).as(err.toString()).isZero();
        String report = out.toString();
        assertThat(report).startsWith("consistency group 12 failed over: disks system PROMOTED at seq 3 in generation ")
                .contains("lost: unknown").contains("age of the promoted image's newest write: unknown")
                .contains("datamover tap --export system=" + set.resolve("system.img"));
        try (ReplicaSet replicas = ReplicaSet.open(set, CliRun.ONE_DISK_GROUP)) {
            assertThat(replicas.states()).containsValues(ReplicaState.PROMOTED);
            assertThat(replicas.generations().isNone()).isFalse();
        }
        assertThat(Files.readAllBytes(set.resolve("system.img"))).isEqualTo(image);

        out.getBuffer().setLength(0);
        assertThat(run(append(offline, "--force"))).isZero();
        assertThat(out.toString()).isEqualTo(report);
    }

    @Test
    void wrongOptionsAreExitStatusTwoAndAnUnreachableGatewayIsOne() throws Exception {
        assertThat(run("failover", "--cg", "1", "--replica-dir", base.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--replica-dir and --data-dir go together");
        assertThat(run("failover", "--cg", "-1")).isEqualTo(2);

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        err.getBuffer().setLength(0);
        assertThat(run("failover", "--cg", "1", "--admin", "127.0.0.1:" + closedPort))
                .isEqualTo(FailoverCommand.EXIT_REFUSED);
        assertThat(err.toString()).contains("cannot reach the admin port").contains("--replica-dir DIR");
    }

    private static String[] append(String[] args, String more) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    private int run(String... args) {
        return cli.run(args);
    }
}
