package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a newcomer runs it: {@code bin/datamover} from the checkout. */
class LauncherTest {
    private static final Path ROOT = Path.of(System.getProperty("datamover.root", "..")).toAbsolutePath().normalize();

    record Run(int exitCode, String stdout, String stderr) {}

    static Run datamover(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/datamover").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().put("DATAMOVER_NO_BUILD", "1"); // the reactor has just assembled it
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("datamover %s finished", List.of(args)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void runsOnJdk25EvenWhenJavaHomePointsAtAnOlderJdk() throws Exception {
        Run run = datamover(Map.of("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"), "--version");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("datamover").containsPattern("JVM: 2[5-9]|JVM: [3-9][0-9]");
    }

    @Test
    void aWrongFlagIsAOneLineErrorWithExitStatus2() throws Exception {
        Run run = datamover(Map.of(), "demo", "--no-such-flag");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("Unknown option: '--no-such-flag'");
    }

    @Test
    void demoDrivesAGuestThroughTheTapAndSaysWhatIsMissing() throws Exception {
        assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/fio")), "the demo drives the tap with fio");
        Run run = datamover(Map.of(), "demo", "--seconds", "2");
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        // Every guest write the tap ordered reached the receiver in order, with good CRCs, acknowledged.
        assertThat(run.stdout())
                .contains("fio exit status 0")
                .containsPattern("guest writes ordered by the tap ([0-9,]+)\\s+received in seq order with good CRCs \\1,"
                        + " acknowledged \\1, replication STREAMING")
                .contains("Not there yet");
    }
}
