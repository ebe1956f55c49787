package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.coordination.CoordinationConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's session timeout: the coordination module's default (issue 19's takeover budget), or given. */
class CoordinationOptionTest {
    @CommandLine.Command
    static final class Holder {
        @CommandLine.Mixin
        CoordinationOption coordination;
    }

    private static CoordinationOption parse(String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        return holder.coordination;
    }

    @Test
    void theDefaultSessionIsTheCoordinationModulesAndFitsATakeoverUnderTenSeconds() {
        Duration session = parse().settings().sessionTimeout();
        assertThat(session).isEqualTo(CoordinationConfig.DEFAULT_SESSION_TIMEOUT);
        assertThat(session).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
    }

    @Test
    void aGivenSessionIsTakenAndOneBelowTheFloorRefused() {
        assertThat(parse("--zookeeper-session-timeout", "7.5").settings().sessionTimeout())
                .isEqualTo(Duration.ofMillis(7_500));
        assertThatThrownBy(() -> parse("--zookeeper-session-timeout", "0.3").settings())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0.4 s");
    }
}
