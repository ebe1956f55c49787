package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.cli.Executables;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench scale} with 4 groups: one source gateway serves all four, then two gateways of a site lead two each;
 * every replica equalled its disk before the daemons were read (the bench waits on it), the figures are the
 * processes' own, and after the first gateway's kill -9 the other leads all four. The figures' sizes are the
 * machine's to decide.
 */
class ScaleBenchTest {
    @TempDir
    Path dir;

    @Test
    void oneGatewayThenTwoEachReadAndTheSurvivorLeadsEveryGroupAfterAKill() throws Exception {
        assumeTrue(Executables.onPath("qemu-io"), "qemu-io is not installed");
        ScaleOptions options = ScaleOptions.parse("--dir", dir.toString(), "--groups", "4", "--gateways", "2",
                "--max-group-moves", "2", "--session-timeout", "2");

        ScaleBench.LayoutFigures one = ScaleBench.run(options, 1);
        ScaleBench.LayoutFigures two = ScaleBench.run(options, 2);

        assertThat(one.sources()).singleElement().satisfies(gateway -> {
            assertThat(gateway.groupsLed()).isEqualTo(4);
            assertThat(gateway.resources().threads()).isPositive();
            assertThat(gateway.resources().descriptors()).isPositive();
            assertThat(gateway.resources().rssBytes()).isPositive();
            assertThat(gateway.heapUsedBytes()).isPositive();
        });
        assertThat(two.sources()).extracting(ScaleBench.DaemonFigures::groupsLed).containsExactly(2L, 2L);
        assertThat(two.takeoverSeconds()).isPositive();
        assertThat(two.takeoverReplicatedSeconds()).isGreaterThanOrEqualTo(two.takeoverSeconds());
        String report = ScaleReport.markdown(MachineFacts.probe(dir), options, List.of(one, two));
        assertThat(report).contains("| one gateway | source gw-1 | 4 |", "| 2 gateways | source gw-2 | 2 |",
                "the others led every group at");
        assertThat(dir.resolve("scale-run")).as("the run cleans up after itself").doesNotExist();
    }

    @Test
    void aSiteNeedsTwoGateways() {
        assertThatThrownBy(() -> ScaleOptions.parse("--gateways", "1")).hasMessageContaining("--gateways");
        assertThat(ScaleOptions.parse().groups()).isEqualTo(100);
    }
}
