package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.bench.link.LinkSpec;
import io.datamover.cli.Executables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness runs one tiny configuration end to end over a shaped link with an outage, the tap and the gateways
 * each in its own JVM: the report and the plots carry numbers, every component has its own CPU and memory figures,
 * and the replica equals the source.
 */
class RpoHarnessTest {
    @TempDir
    Path dir;

    @Test
    void aTinySweepOverAShapedLinkWithAnOutageReportsAndPlots() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        Path results = dir.resolve("results");
        RpoOptions options = new RpoOptions(5, 4L << 20, dir.resolve("work"), 64L << 20, 64 << 10, 2L << 20, 30,
                1.2, 50, 4, Duration.ofMillis(5), List.of(LinkSpec.Outage.parse("1.5+1")), List.of(100L),
                List.of(8 << 20), List.of(true), List.of(40L), results, List.of());

        List<RunResult> runs = RpoHarness.run(options);

        assertThat(runs).hasSize(1);
        RunResult run = runs.getFirst();
        assertThat(run.problem()).isEmpty();
        assertThat(run.replica().orElseThrow().equal()).as(run.replica().toString()).isTrue();
        // A sample is due every 100 ms, each read over HTTP: how many arrive depends on how busy the machine is.
        assertThat(run.rpo().count()).as("RPO samples").isPositive();
        assertThat(run.rpo().max()).as("the 1 s outage shows in the RPO").isGreaterThanOrEqualTo(1.0);
        assertThat(run.drainSeconds()).isFinite().isNotNegative();
        assertThat(run.wirePerWrittenByte()).as("50%% compressible data ships smaller").isBetween(0.1, 1.0);
        assertThat(run.burstThroughput() * 8).as("the burst cannot beat the 40 Mbit/s link after compression")
                .isLessThan(40e6 / run.wirePerWrittenByte() * 1.3);
        ResourceSampler.Usage usage = run.usage().orElseThrow();
        assertThat(usage.components()).as("every component is its own process, measured on its own")
                .containsOnlyKeys(DaemonPipeline.Component.values());
        usage.components().forEach((component, used) -> {
            assertThat(used.cpuSeconds()).as(component + " CPU").isPositive();
            assertThat(used.adminRequests()).as(component + " admin requests").isPositive();
            assertThat(used.adminCpuSeconds()).as(component + " CPU of admin requests").isNotNegative();
            assertThat(used.peakRssBytes()).as(component + " RSS peak").isGreaterThan(32L << 20)
                    .isGreaterThanOrEqualTo(used.meanRssBytes());
            assertThat(used.meanRssBytes()).as(component + " RSS mean").isPositive();
            assertThat(used.peakHeapBytes()).as(component + " heap peak").isPositive()
                    .isLessThanOrEqualTo(512L << 20);
            assertThat(used.peakDirectBytes()).as(component + " direct peak").isPositive();
        });
        assertThat(usage.components().values()).extracting(ResourceSampler.ComponentUsage::peakRssBytes)
                .as("three processes, three different resident sets").doesNotHaveDuplicates();
        assertThat(usage.linkCpuSeconds()).isPositive();

        String report = RpoBench.write(options, MachineFacts.probe(dir), runs, "bench rpo (test)");
        assertThat(results.resolve("report.md")).content()
                .containsPattern("\\| 1 \\| 100 ms \\| 8 MiB \\| on \\| 40 Mbit/s \\| \\d+\\.\\d{3} / \\d+\\.\\d{3} /")
                .containsPattern("\\| 1 \\| [\\d.]+ s \\| tap \\| [\\d.]+ s \\| [\\d.]+ s \\([\\d,]+ requests\\) \\| [1-9]\\d* MiB \\| [1-9]\\d* MiB \\| [1-9]\\d* MiB \\|"
                        + " \\d+ MiB \\|")
                .containsPattern("\\| 1 \\|  \\| source gateway \\| [\\d.]+ s \\| [^|]+ \\| [1-9]\\d* MiB \\|")
                .containsPattern("\\| 1 \\|  \\| target gateway \\| [\\d.]+ s \\| [^|]+ \\| [1-9]\\d* MiB \\|")
                .contains("| equal |").doesNotContain("NaN").isEqualTo(report);
        for (String svg : List.of("rpo-over-time-1.svg", "rpo-p99-vs-batch-interval.svg",
                "throughput-vs-link-bandwidth.svg")) {
            assertThat(results.resolve(svg)).content().startsWith("<svg").containsPattern("points=\"[\\d.]+,[\\d.]+");
        }
    }

}
