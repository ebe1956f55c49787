package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.admin.AdminActions;
import io.datamover.cli.admin.AdminServer;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.StatusReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code datamover resync} against a real admin port on loopback, whose action is the test's. */
class ResyncCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<Map<String, String>> posts = new CopyOnWriteArrayList<>();

    private AdminServer serve(AdminActions.Answer answer) throws Exception {
        return AdminServer.start(new InetSocketAddress("127.0.0.1", 0), DaemonAdmin.newRegistry(),
                () -> new StatusReport("source-gateway", "gw", List.of()), (path, parameters) -> {
                    posts.add(Map.copyOf(parameters));
                    return path.equals("/resync") ? answer : null;
                });
    }

    @Test
    void asksTheSourceGatewayAndPrintsItsAnswer() throws Exception {
        try (AdminServer server = serve(new AdminActions.Answer(200, "consistency group 4: generation started\n"))) {
            String admin = "127.0.0.1:" + server.address().getPort();
            assertThat(run("resync", "--cg", "4", "--discard", "replica", "--admin", admin)).isZero();
            assertThat(out.toString()).isEqualTo("consistency group 4: generation started\n");
            assertThat(posts).containsExactly(Map.of("cg", "4", "discard", "replica"));
        }
    }

    @Test
    void aRefusalIsExitStatus1WithTheGatewaysReason() throws Exception {
        try (AdminServer server = serve(new AdminActions.Answer(409, "consistency group 4 is not refused\n"))) {
            String admin = "127.0.0.1:" + server.address().getPort();
            assertThat(run("resync", "--cg", "4", "--discard", "replica", "--admin", admin)).isOne();
            assertThat(err.toString()).isEqualTo("datamover resync: consistency group 4 is not refused\n");
        }
    }

    @Test
    void wrongOptionsAreExitStatus2() {
        assertThat(run("resync", "--cg", "4")).isEqualTo(2);
        assertThat(run("resync", "--cg", "4", "--discard", "both")).isEqualTo(2);
        assertThat(err.toString()).contains("replica, source");
        assertThat(run("resync", "--cg", "-1", "--discard", "replica")).isEqualTo(2);
    }

    private int run(String... args) {
        return new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
