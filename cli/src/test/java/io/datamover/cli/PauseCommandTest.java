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

/** {@code datamover pause|resume|resize} against a real admin port on loopback, whose action is the test's. */
class PauseCommandTest {
    private final CliRun cli = new CliRun();
    private final List<Map<String, String>> posts = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void pauseAndResumePostTheGroupWithTheToken() throws Exception {
        for (String action : List.of("pause", "resume")) {
            posts.clear();
            try (AdminServer server = ResyncCommandTest.serve("/" + action,
                    new AdminActions.Answer(200, "consistency group 3: PAUSED\n"), dir, posts)) {
                String admin = "127.0.0.1:" + server.address().getPort();
                assertThat(cli.run(action, "--cg", "3", "--admin", admin, "--admin-token-file",
                        ResyncCommandTest.tokenFile(dir).toString())).as(action).isZero();
                assertThat(posts).containsExactly(Map.of("cg", "3"));
            }
        }
        assertThat(cli.out.toString()).contains("consistency group 3: PAUSED");
    }

    @Test
    void resizePostsTheDiskAndAShrinkRefusedExitsOne() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/resize", new AdminActions.Answer(409,
                "consistency group 3: disk data-1 shrank from 2 to 1 bytes under the tap: shrinking a protected disk"
                        + " is refused\n"), dir, posts)) {
            assertThat(cli.run("resize", "--cg", "3", "--disk", "data-1", "--admin", "127.0.0.1:"
                    + server.address().getPort(), "--admin-token-file", ResyncCommandTest.tokenFile(dir).toString()))
                    .isOne();
            assertThat(posts).containsExactly(Map.of("cg", "3", "disk", "data-1"));
            assertThat(cli.err.toString()).contains("datamover resize: consistency group 3: disk data-1 shrank")
                    .contains("shrinking a protected disk is refused");
        }
    }

    @Test
    void withoutTheTokenItIsRefused() throws Exception {
        try (AdminServer server = ResyncCommandTest.serve("/pause", new AdminActions.Answer(200, "ok\n"), dir,
                posts)) {
            assertThat(cli.run("pause", "--cg", "3", "--admin", "127.0.0.1:" + server.address().getPort())).isOne();
            assertThat(cli.err.toString()).contains("needs the operator's admin token");
            assertThat(posts).isEmpty();
        }
    }

    @Test
    void theGroupIsNeeded() {
        assertThat(cli.run("pause")).isEqualTo(2);
        assertThat(cli.run("resume", "--cg", "-1")).isEqualTo(2);
    }
}
