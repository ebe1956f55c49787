package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.cli.Executables;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench verify} and {@code bench rehearsal} on a 16 MiB disk, the daemons as processes: verify reads both
 * disks whole and finds them equal, before and while the guest writes; a rehearsal keeps before-images of what the
 * guest overwrote, and the three guest phases are measured. The figures' PASS or FAIL are the machine's to decide.
 */
class OperationBenchTest {
    private static final long DISK = 16L << 20;

    @TempDir
    Path dir;

    @Test
    void verifyReadsBothWrittenDisksWholeAndFindsThemEqualWhileTheGuestWrites() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        String report = OperationBench.run(OperationBenchOptions.parse("verify", "--dir", dir.toString(), "--size",
                "16M", "--transport", "plaintext", "--guest-rate", "1M", "--guest-seconds", "2", "--rate", "16M"));

        // Both sites read every region of the disk written full: 2 x 16 MiB = 33.6 MB.
        assertThat(report).as(report).containsPattern("\\| unlimited \\(--rate 0\\) \\| 33\\.6 \\| [0-9.]+ \\| [0-9.]+ \\| EQUAL \\|")
                .containsPattern("\\| --rate 16\\.8 MB/s \\| 33\\.6 \\| [0-9.]+ \\| [0-9.]+ \\| EQUAL \\|")
                .contains("| during the guest's phase, 1 |")
                .containsPattern("\\| guest alone \\| [0-9.]+ \\| [0-9.]+ / [0-9.]+ \\|")
                .contains("No false difference (every pass EQUAL, or unsettled regions only): PASS")
                .containsPattern("Online verify within --rate \\(at most 1\\.1x of it\\): (PASS|FAIL)")
                .doesNotContain("NaN");
        assertThat(dir.resolve("verify-run")).as("the run cleans up after itself").doesNotExist();
    }

    @Test
    void aRehearsalKeepsBeforeImagesOfWhatTheGuestOverwrote() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        String report = OperationBench.run(OperationBenchOptions.parse("rehearsal", "--dir", dir.toString(), "--size",
                "16M", "--transport", "plaintext", "--guest-rate", "1M", "--guest-seconds", "2"));

        assertThat(report).as(report).contains("| no rehearsal (before) |").contains("| rehearsal running |")
                .contains("| no rehearsal (after stop) |")
                .containsPattern("Source RPO p99 with a rehearsal running < 1\\.0 s: (PASS|FAIL)").doesNotContain("NaN");
        Matcher kept = Pattern.compile("Before-images kept for the view .*: ([0-9,]+) bytes").matcher(report);
        assertThat(kept.find()).as(report).isTrue();
        assertThat(Long.parseLong(kept.group(1).replace(",", ""))).as("the guest overwrote regions the view shows")
                .isPositive().isLessThanOrEqualTo(DISK);
    }

    @Test
    void badOptionsAreRefusedWithTheUsage() {
        assertThatThrownBy(() -> OperationBenchOptions.parse("rehearsal", "--rate", "5M"))
                .hasMessageContaining("usage: bench rehearsal");
        assertThatThrownBy(() -> OperationBenchOptions.parse("verify", "--size", "1M")).hasMessageContaining("--size");
        assertThatThrownBy(() -> OperationBenchOptions.parse("takeover")).hasMessageContaining("no such bench");
    }
}
