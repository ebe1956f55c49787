package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.cli.Executables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench takeover} on a 16 MiB disk with a 2 s ZooKeeper session: the leading source gateway killed while fio
 * writes, the standby leads, the target takes its history and applies its batches, in that order; every write the
 * guest made reaches the replica. How long each took is the machine's to decide.
 */
class TakeoverBenchTest {
    @TempDir
    Path dir;

    @Test
    void theStandbyTakesOverAndTheReplicaEqualsTheSource() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        TakeoverOptions options = TakeoverOptions.parse("--dir", dir.toString(), "--size", "16M", "--guest-rate", "1M",
                "--seconds", "10", "--kill-after", "3", "--session-timeout", "2", "--transport", "plaintext");

        TakeoverBench.Figures figures = TakeoverBench.run(options);

        assertThat(figures.standbyLeadsSeconds()).isPositive();
        assertThat(figures.targetTookOverSeconds()).isGreaterThanOrEqualTo(figures.standbyLeadsSeconds());
        assertThat(figures.firstAppliedSeconds()).isGreaterThanOrEqualTo(figures.targetTookOverSeconds());
        assertThat(figures.guest().drained()).isTrue();
        assertThat(figures.guest().endToEndRpo().max()).as("the replica lagged while no gateway shipped")
                .isPositive().isFinite();
        assertThat(figures.replica().orElseThrow().equal()).as("every write reached the replica").isTrue();
        String report = TakeoverReport.markdown(MachineFacts.probe(dir), options, figures);
        assertThat(report).containsPattern("Takeover, kill -9 to the first batch applied by the new leader, < 10 s:"
                + " (PASS|FAIL) \\(\\d+\\.\\d\\d s\\); RPO peak \\d+\\.\\d\\d s").contains("| replica equals source | yes |");
        assertThat(dir.resolve("takeover-run")).as("the run cleans up after itself").doesNotExist();
    }

    @Test
    void theKillMustComeWithinTheGuestsRun() {
        assertThatThrownBy(() -> TakeoverOptions.parse("--seconds", "10", "--kill-after", "10"))
                .hasMessageContaining("--kill-after");
        assertThat(TakeoverOptions.parse().sessionTimeoutSeconds()).as("the daemons' default").isEqualTo(5);
    }
}
