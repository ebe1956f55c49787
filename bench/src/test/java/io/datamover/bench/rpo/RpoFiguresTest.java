package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The figures' arithmetic and the command line's validation. */
class RpoFiguresTest {
    @Test
    void percentilesAreNearestRank() {
        double[] hundred = IntStream.rangeClosed(1, 100).mapToDouble(i -> i / 100.0).toArray();
        Distribution d = Distribution.of(hundred);
        assertThat(d.count()).isEqualTo(100);
        assertThat(d.p50()).isEqualTo(0.50);
        assertThat(d.p99()).isEqualTo(0.99);
        assertThat(d.max()).isEqualTo(1.00);
        assertThat(Distribution.of(new double[] {0.3}).p99()).isEqualTo(0.3);
        assertThat(Distribution.of(new double[0]).p99()).isNaN();
    }

    @Test
    void optionsParseSizesAndRefuseNonsense() {
        E2eOptions o = E2eOptions.parse("--seconds", "5", "--size", "1G", "--bs", "128k", "--compressible", "80");
        assertThat(o.phaseSeconds()).isEqualTo(5);
        assertThat(o.diskBytes()).isEqualTo(1L << 30);
        assertThat(o.blockSize()).isEqualTo(128 << 10);
        assertThat(o.compressiblePercent()).isEqualTo(80);
        assertThatThrownBy(() -> E2eOptions.parse("--bs", "1000")).hasMessageContaining("--bs");
        assertThatThrownBy(() -> E2eOptions.parse("--compressible", "120")).hasMessageContaining("percentage");
        assertThatThrownBy(() -> E2eOptions.parse("--seconds")).hasMessageContaining("missing value");
        assertThatThrownBy(() -> E2eOptions.parse("--speed", "9")).hasMessageContaining("unknown option");
    }

    @Test
    void fioIsThrottledOnlyWhenARateIsGiven() {
        Workload w = new Workload(60, 65536, 50, 16, 0);
        assertThat(w.fioCommand("nbd://h:1/x", 1L << 30)).contains("--buffer_compress_percentage=50",
                "--refill_buffers", "--runtime=60").noneMatch(a -> a.startsWith("--rate"));
        assertThat(w.throttledTo(5_000_000).fioCommand("nbd://h:1/x", 1L << 30)).contains("--rate=5000000");
    }

    @Test
    void theOldestUnappliedWriteIsPlacedInTheStageItWaitsIn() {
        // tap gave seqs up to 100, the journal holds 80, the target holds 60 and applied 40
        assertThat(WaitStage.of(100, 80, 60, 40)).isEqualTo(WaitStage.TARGET_APPLY);
        assertThat(WaitStage.of(100, 80, 60, 60)).isEqualTo(WaitStage.JOURNAL_TO_TARGET);
        assertThat(WaitStage.of(100, 80, 80, 80)).isEqualTo(WaitStage.TAP_TO_JOURNAL);
        assertThat(WaitStage.of(100, 100, 100, 100)).isEqualTo(WaitStage.CAUGHT_UP);
    }
}
