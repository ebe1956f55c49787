package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, run as a newcomer runs it: {@code bin/datamover} from the checkout. */
class LauncherTest {
    @TempDir
    Path output;

    record Run(int exitCode, String stdout, String stderr) {}

    /** Output goes to files, so a chatty stderr cannot block the process and the deadline holds. */
    Run datamover(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path out = output.resolve("stdout");
        Path err = output.resolve("stderr");
        ProcessBuilder pb = DaemonProcess.launcher(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("datamover " + List.of(args) + " did not finish within 2 minutes:\n"
                    + Files.readString(out) + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
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
    void anUnknownCommandIsAnErrorWithExitStatus2EvenWithHelp() throws Exception {
        Run run = datamover(Map.of(), "no-such-command", "--help");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stdout()).as("not the top-level help").isEmpty();
        assertThat(run.stderr()).contains("unknown command 'no-such-command'").contains("demo");

        Run nested = datamover(Map.of(), "cert", "no-such-command", "--help");
        assertThat(nested.exitCode()).isEqualTo(2);
        assertThat(nested.stderr()).contains("datamover cert: unknown command 'no-such-command'");
    }

    @Test
    void demoReplicatesWhatFioWritesThroughTheTapAndVerbosePutsTheDaemonsLogBetweenTheFigures() throws Exception {
        Tools.assumeInstalled("fio");
        Run run = assertDemoReplicates("--workload", "fio", "--verbose");
        assertThat(run.stderr()).contains("[INFO] ", "initial sync of disk demo-disk");
        assertNoThirdPartyChatter(run.stderr());
    }

    @Test
    void demoWithoutFioDrivesTheTapWithItsBuiltInNbdWriterAndLogsToAFileItNames() throws Exception {
        Run run = assertDemoReplicates("--workload", "builtin");
        // The live table and the summary alone on the terminal; the daemons' lines in the file the demo names.
        assertThat(run.stderr()).isEmpty();
        assertThat(run.stdout()).doesNotContain("[INFO]", "[WARN]");
        Matcher named = Pattern.compile("daemons' log +(\\S+)").matcher(run.stdout());
        assertThat(named.find()).as(run.stdout()).isTrue();
        Path log = Path.of(named.group(1));
        try {
            assertThat(run.stdout()).contains("(the daemons' log: " + log + ")");
            String lines = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(lines).contains("[INFO] ", "initial sync of disk demo-disk");
            assertNoThirdPartyChatter(lines);
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(log.getParent());
        }
    }

    /** Chronicle's banner (an e-mail, its website), its timings and where it was loaded from are not for operators. */
    private static void assertNoThirdPartyChatter(String log) {
        assertThat(log).doesNotContain("e-mail", "chronicle.software", "Took ", "Chronicle core loaded",
                "InternalAnnouncer");
    }

    private Run assertDemoReplicates(String... workload) throws Exception {
        List<String> args = new ArrayList<>(List.of("demo", "--seconds", "3", "--disk-size", "256M",
                "--existing-data", "8M"));
        args.addAll(List.of(workload));
        Run run = datamover(Map.of(), args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        // The guest's writes went through tap, journal and target to the replica, which equals the source.
        assertThat(run.stdout())
                .containsPattern("guest +[0-9,]+ writes ordered by the tap")
                .contains("streamed every write")
                .containsPattern("catch-up +replica at seq [0-9,]+")
                .containsPattern("replica +UP_TO_DATE")
                .containsPattern("verify +EQUAL")
                .contains("result       OK");
        return run;
    }
}
