package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.admin.AdminServer;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.StatusReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code datamover status} against a real admin port on loopback. */
class StatusCommandTest {
    private static final StatusReport REPORT = new StatusReport("target-gateway", "tgw", List.of(
            new StatusReport.Group("3", null, "p", "UP_TO_DATE", 9L, 9L, 9L, null, 0L, 0L, 0L, 1L << 30, 1.0, 2.0, null,
                    null, false, null, List.of(new StatusReport.Disk("root", null, "UP_TO_DATE")))));

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void printsTheTableOrTheJson() throws Exception {
        try (AdminServer server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                DaemonAdmin.newRegistry(), () -> REPORT)) {
            String address = "127.0.0.1:" + server.address().getPort();

            assertThat(run("status", "--gateway", address)).isZero();
            assertThat(out.toString()).contains("cg 3 of pair p: UP_TO_DATE", "disk root");

            out.getBuffer().setLength(0);
            assertThat(run("status", "--gateway", address, "--json")).isZero();
            assertThat(out.toString()).startsWith("{\"daemon\":\"target-gateway\",\"id\":\"tgw\",");
        }
    }

    @Test
    void anUnreachablePortIsOneLineAndExitStatus1() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        assertThat(run("status", "--gateway", "127.0.0.1:" + port)).isEqualTo(1);
        assertThat(err.toString()).startsWith("datamover status: cannot reach the admin port at 127.0.0.1:" + port)
                .hasLineCount(1);
    }

    @Test
    void wrongFlagsAreExitStatus2() {
        assertThat(run("status", "--gateway", "nowhere")).isEqualTo(2);
        assertThat(err.toString()).contains("is not HOST:PORT");
        assertThat(run("status")).isEqualTo(2);
        assertThat(run("source-gateway", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:1", "--data-dir", "d",
                "--admin", "nonsense", "--insecure-plaintext")).isEqualTo(2);
        assertThat(err.toString()).contains("--admin takes HOST:PORT or off");
    }

    private int run(String... args) {
        return new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
