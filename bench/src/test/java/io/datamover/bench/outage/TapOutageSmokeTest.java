package io.datamover.bench.outage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.cli.Executables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short outage on the real command: the tap (a {@code bin/datamover tap} process) fills a small window, goes to
 * bitmap mode within seconds of the gateway's death, and the report carries the sampled figures and a verdict.
 */
class TapOutageSmokeTest {
    @TempDir
    Path dir;

    @Test
    void aShortOutageIsMeasuredAndReported() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        // The outage grace (30 s) is not a tap option; a 4 MiB window filled by unthrottled fio sends the tap to
        // bitmap mode within a second or two of the gateway's death instead.
        OutageOptions options = new OutageOptions(10, 2, dir, 256L << 20, 4L << 20, 128L << 20, 64L << 20, 1000,
                Optional.empty());

        OutageResult result = OutageRun.run(options);
        String report = OutageReport.markdown(result);

        // How many samples arrive depends on how busy the machine is (each one scrapes the tap over HTTP): what
        // matters is that the outage was sampled at all, and that every sample is within the bounds.
        assertThat(result.samples()).as("samples taken after the gateway died")
                .anySatisfy(s -> assertThat(s.seconds()).isNotNegative());
        assertThat(result.samples()).allSatisfy(s -> {
            assertThat(s.heapBytes()).isPositive();
            assertThat(s.directBytes()).isPositive();
            assertThat(s.rssBytes()).isPositive();
            assertThat(s.windowBytes()).isBetween(0L, 4L << 20);
        });
        assertThat(result.samples().getLast().bitmapMode()).as("the tap ends in bitmap mode").isTrue();
        assertThat(result.bitmapTransition()).hasValueSatisfying(l -> assertThat(l).contains("BITMAP mode at seq"));
        assertThat(result.fio().bytesWritten()).isPositive();
        assertThat(result.fio().p99LatencyNanos()).isPositive();
        assertThat(result.tapAliveAtEnd()).isTrue();
        assertThat(OutageReport.problems(result)).isEmpty();
        assertThat(report).contains("| heap used | 128.0 MiB |", "| direct used", "| window bytes in use | 4.0 MiB |",
                "-Xmx128m -XX:MaxDirectMemorySize=64m", "MB/s", "p99", "I/O errors 0", OutageReport.WITHIN,
                "| t (s after the gateway died) |");
        assertThat(Files.exists(dir.resolve("tap-outage-run"))).as("the run cleans up after itself").isFalse();
    }
}
