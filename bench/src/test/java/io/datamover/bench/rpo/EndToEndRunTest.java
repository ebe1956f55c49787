package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.cli.Executables;
import io.datamover.disk.compare.ComparisonReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness runs end to end on a small disk: both phases measure, and the replica matches the source. */
class EndToEndRunTest {
    @TempDir
    Path dir;

    @Test
    void aShortRunMeasuresBothPhasesAndTheReplicaMatches() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        E2eOptions options = new E2eOptions(3, dir, 64L << 20, 64 << 10, 50, 4, 100, 0, List.of(), 1, 0, Optional.empty());

        E2eResult result = EndToEndRun.run(options);

        assertThat(result.problem()).isEmpty();
        PhaseResult sustained = result.sustained();
        assertThat(sustained.fioBytes()).isPositive();
        assertThat(sustained.appliedBytes()).isPositive().isLessThanOrEqualTo(sustained.fioBytes());
        assertThat(sustained.wireBytes()).as("50%% compressible data is shipped smaller than written")
                .isPositive().isLessThan(sustained.fioBytes());
        PhaseResult half = result.halfRate().orElseThrow();
        assertThat(half.workload().rateBytesPerSecond())
                .isEqualTo(Math.max(64 << 10, Math.round(sustained.appliedBytesPerSecond() / 2)));
        // How many of the 100 ms samples arrive depends on how busy the machine is; that they exist is the outcome.
        assertThat(half.pipelineRpo().count()).as("RPO samples of the half-rate phase").isPositive();
        assertThat(half.endToEndRpo().max()).isFinite().isNotNegative();
        assertThat(half.drained()).isTrue();
        assertThat(half.slowestTenthWaitedAt()).as("the slowest samples waited somewhere").isNotEmpty();
        ComparisonReport replica = result.replica().orElseThrow();
        assertThat(replica.equal()).as(replica.differences().toString()).isTrue();
        assertThat(replica.bytesRead()).isPositive();
        String report = E2eReport.markdown(result);
        assertThat(report).containsPattern("sustained replication rate\\*\\* .* \\| \\*\\*\\d+\\.\\d MB/s\\*\\*")
                .containsPattern("RPO p50 / p99 / max, pipeline.* \\| \\*\\*\\d+\\.\\d{3} / \\d+\\.\\d{3} / \\d+\\.\\d{3} s")
                .contains("replica equals source | yes").doesNotContain("NaN");
        assertThat(dir.resolve("e2e-run")).as("the run cleans up after itself").doesNotExist();
    }

}
