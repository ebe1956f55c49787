package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.admin.AdminActions;
import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.AdminToken;
import io.datamover.cli.admin.StatusHistory;
import io.datamover.cli.admin.AdminServer;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.StatusReport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover resync} against a real admin port on loopback, whose action is the test's. */
class ResyncCommandTest {
    private final CliRun cli = new CliRun();
    private final List<Map<String, String>> posts = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    private AdminServer serve(AdminActions.Answer answer) throws Exception {
        return serve("/resync", answer, dir, posts);
    }

    /**
     * An admin port whose {@code path} answers {@code answer} and records the parameters in {@code posts}, for the
     * holder of the token {@link #tokenFile} writes in {@code dir}.
     */
    static AdminServer serve(String path, AdminActions.Answer answer, Path dir, List<Map<String, String>> posts)
            throws Exception {
        return AdminServer.start(new InetSocketAddress("127.0.0.1", 0), DaemonAdmin.newRegistry(),
                () -> new StatusReport("source-gateway", "gw", List.of()), (asked, parameters) -> {
                    posts.add(Map.copyOf(parameters));
                    return asked.equals(path) ? answer : null;
                }, new StatusHistory(Instant::now, 1),
                new AdminAuthorization(Optional.of(AdminToken.load(tokenFile(dir)))));
    }

    /** The operator's token file in {@code dir}, 0600. */
    static Path tokenFile(Path dir) throws Exception {
        Path file = dir.resolve("admin-token");
        if (!Files.exists(file)) {
            Files.writeString(file, "a-secret-for-the-cli-tests-0123\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    @Test
    void withoutTheTokenTheGatewayRefusesAndNothingRuns() throws Exception {
        try (AdminServer server = serve(new AdminActions.Answer(200, "consistency group 4: generation started\n"))) {
            String admin = "127.0.0.1:" + server.address().getPort();
            assertThat(cli.run("resync", "--cg", "4", "--discard", "replica", "--admin", admin)).isOne();
            assertThat(cli.err.toString()).startsWith("datamover resync: this call needs the operator's admin token");
            assertThat(posts).isEmpty();
        }
    }

    @Test
    void asksTheSourceGatewayAndPrintsItsAnswer() throws Exception {
        try (AdminServer server = serve(new AdminActions.Answer(200, "consistency group 4: generation started\n"))) {
            String admin = "127.0.0.1:" + server.address().getPort();
            assertThat(cli.run("resync", "--cg", "4", "--discard", "replica", "--admin", admin,
                    "--admin-token-file", tokenFile(dir).toString())).isZero();
            assertThat(cli.out.toString()).isEqualTo("consistency group 4: generation started\n");
            assertThat(posts).containsExactly(Map.of("cg", "4", "discard", "replica"));
        }
    }

    @Test
    void aRefusalIsExitStatus1WithTheGatewaysReason() throws Exception {
        try (AdminServer server = serve(new AdminActions.Answer(409, "consistency group 4 is not refused\n"))) {
            String admin = "127.0.0.1:" + server.address().getPort();
            assertThat(cli.run("resync", "--cg", "4", "--discard", "replica", "--admin", admin, "--admin-token-file",
                    tokenFile(dir).toString())).isOne();
            assertThat(cli.err.toString()).isEqualTo("datamover resync: consistency group 4 is not refused\n");
        }
    }

    @Test
    void wrongOptionsAreExitStatus2() {
        assertThat(cli.run("resync", "--cg", "4")).isEqualTo(2);
        assertThat(cli.run("resync", "--cg", "4", "--discard", "both")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("replica, source");
        assertThat(cli.run("resync", "--cg", "-1", "--discard", "replica")).isEqualTo(2);
    }
}
