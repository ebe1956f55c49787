package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.admin.AdminActions;
import io.datamover.cli.admin.AdminServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code datamover throttle} against a real admin port on loopback, whose action is the test's. */
class ThrottleCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<Map<String, String>> posts = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void sendsTheRateOrTheScheduleWithItsZoneAndTheToken() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/throttle",
                new AdminActions.Answer(200, "link to the target: max rate 20.0 MiB/s now\n"), dir, posts)) {
            String admin = "127.0.0.1:" + server.address().getPort();
            String token = ResyncCommandTest.tokenFile(dir).toString();
            assertThat(run("throttle", "--max-rate", "20M", "--admin", admin, "--admin-token-file", token)).isZero();
            assertThat(out.toString()).isEqualTo("link to the target: max rate 20.0 MiB/s now\n");
            assertThat(run("throttle", "--schedule", "Mon-Fri 08:00-18:00=20M,*=0", "--zone", "Europe/Paris",
                    "--admin", admin, "--admin-token-file", token)).isZero();
            assertThat(posts).containsExactly(Map.of("max-rate", "20M"),
                    Map.of("schedule", "Mon-Fri 08:00-18:00=20M,*=0", "zone", "Europe/Paris"));
        }
    }

    @Test
    void withoutTheTokenItIsRefused() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/throttle", new AdminActions.Answer(200, "ok\n"), dir,
                posts)) {
            assertThat(run("throttle", "--max-rate", "1M", "--admin", "127.0.0.1:" + server.address().getPort()))
                    .isOne();
            assertThat(err.toString()).contains("needs the operator's admin token");
            assertThat(posts).isEmpty();
        }
    }

    @Test
    void oneOfTheRateOrTheScheduleIsNeeded() {
        assertThat(run("throttle")).isEqualTo(2);
        assertThat(run("throttle", "--max-rate", "1M", "--schedule", "*=0")).isEqualTo(2);
    }

    private int run(String... args) {
        return new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
