package io.datamover.bench.outage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The part of the report that picks rows: the per-step timeline. */
class OutageReportTest {
    @Test
    void theTimelineTakesTheFirstSampleOfEachStepAndTheLast() {
        List<TapSample> samples = List.of(sample(-3), sample(2), sample(61), sample(65), sample(119), sample(125),
                sample(130));

        assertThat(OutageReport.timeline(samples, 60)).extracting(TapSample::seconds)
                .containsExactly(2.0, 61.0, 125.0, 130.0);
    }

    @Test
    void aPeakOverItsBoundIsAProblem() {
        OutageOptions options = OutageOptions.parse("--seconds", "10", "--window", "4M", "--xmx", "64M");
        TapSample over = new TapSample(1, 65L << 20, 1 << 20, 100 << 20, 0, 0, true);
        FioFigures clean = new FioFigures(1 << 20, 1 << 20, 1000, 2000, 0, 0);

        assertThat(OutageReport.problems(new OutageResult(options, null, List.of(over), clean, true,
                java.util.Optional.empty()))).containsExactly("heap peaked at 65.0 MiB over its bound 64.0 MiB");
    }

    private static TapSample sample(double seconds) {
        return new TapSample(seconds, 1, 1, 1, 0, 0, true);
    }
}
