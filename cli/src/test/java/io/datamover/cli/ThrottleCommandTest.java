package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.admin.AdminActions;
import io.datamover.cli.admin.AdminServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datamover throttle} against a real admin port on loopback, whose action is the test's. */
class ThrottleCommandTest {
    private final CliRun cli = new CliRun();
    private final List<Map<String, String>> posts = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void sendsTheRateOrTheScheduleWithItsZoneAndTheToken() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/throttle",
                new AdminActions.Answer(200, "link to the target: max rate 20.0 MiB/s now\n"), dir, posts)) {
            String admin = "127.0.0.1:" + server.address().getPort();
            String token = ResyncCommandTest.tokenFile(dir).toString();
            assertThat(cli.run("throttle", "--max-rate", "20M", "--admin", admin, "--admin-token-file", token)).isZero();
            assertThat(cli.out.toString()).isEqualTo("link to the target: max rate 20.0 MiB/s now\n");
            assertThat(cli.run("throttle", "--schedule", "Mon-Fri 08:00-18:00=20M,*=0", "--zone", "Europe/Paris",
                    "--admin", admin, "--admin-token-file", token)).isZero();
            assertThat(posts).containsExactly(Map.of("max-rate", "20M"),
                    Map.of("schedule", "Mon-Fri 08:00-18:00=20M,*=0", "zone", "Europe/Paris"));
        }
    }

    @Test
    void withoutTheTokenItIsRefused() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/throttle", new AdminActions.Answer(200, "ok\n"), dir,
                posts)) {
            assertThat(cli.run("throttle", "--max-rate", "1M", "--admin", "127.0.0.1:" + server.address().getPort()))
                    .isOne();
            assertThat(cli.err.toString()).contains("needs the operator's admin token");
            assertThat(posts).isEmpty();
        }
    }

    @Test
    void oneOfTheRateOrTheScheduleIsNeeded() {
        assertThat(cli.run("throttle")).isEqualTo(2);
        assertThat(cli.run("throttle", "--max-rate", "1M", "--schedule", "*=0")).isEqualTo(2);
    }
}
