package io.datamover.bench.outage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the report that read text or pick rows: the Prometheus sums and the per-step timeline. */
class OutageReportTest {
    @Test
    void prometheusSumsTheMatchingSamplesOnly() {
        String text = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 3.5651584E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 1000.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.0E9
                datamover_sender_window_bytes{cg="1"} 4096.0
                """;

        assertThat(PrometheusText.sum(text, "jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(35_652_584L);
        assertThat(PrometheusText.sum(text, "datamover_sender_window_bytes", "")).isEqualTo(4096);
        assertThat(PrometheusText.sum(text, "jvm_buffer_memory_used_bytes", "")).isEqualTo(-1);
    }

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
