package io.datamover.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Not a measurement: every hot-path benchmark, with every parameter, runs one short iteration without failing. */
class HotPathBenchmarksTest {
    @TempDir
    Path dir;

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        System.setProperty(BenchDirectory.PROPERTY, dir.toString());
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("io\\.datamover\\..*Benchmark")
                .forks(0) // in this JVM: it already has the project's flags
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .measurementBatchSize(1)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build()).run();

        // FrameCodec 2 x 2, Coalescer 2 x 3, Lz4 2 x 2 x 4, JournalAppend 2 x 2, Applier 2 + 1.
        assertThat(results).hasSize(33);
        assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive().isFinite());
        assertThat(results)
                .filteredOn(r -> !r.getParams().getBenchmark().contains("FrameCodec")
                        && !r.getParams().getBenchmark().endsWith("punchZeros"))
                .allSatisfy(r -> assertThat(r.getSecondaryResults().get("megabytes").getScore()).isPositive());
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("journal and replica directories deleted").isEmpty();
        }
    }
}
