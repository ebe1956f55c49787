package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigFileTest {
    @TempDir
    Path dir;

    private Path config(String text) throws IOException {
        Path file = dir.resolve("datamover.properties");
        Files.writeString(file, text);
        return file;
    }

    /** Parses {@code args} as Main would, config file expanded, and returns the subcommand's object. */
    private static <T> T parse(String... args) {
        CommandLine root = new CommandLine(new Main());
        CommandLine.ParseResult result = root.parseArgs(ConfigFile.expand(root, args));
        return result.subcommand().commandSpec().commandLine().getCommand();
    }

    @Test
    void settingsOfTheFileBecomeOptionsAndFlagsOverrideThem() throws IOException {
        Path file = config("""
                # the protected site
                listen = 127.0.0.1:10811
                target = dr-site:10810
                data-dir = /var/lib/datamover/journal
                batch-interval = 250
                journal-max = 4G
                ack-timeout = 300
                """);
        SourceGatewayCommand command = parse("source-gateway", "--config", file.toString(), "--batch-interval=50");
        assertThat(command.listen).isEqualTo(new HostPort("127.0.0.1", 10811));
        assertThat(command.targets).containsExactly(new HostPort("dr-site", 10810));
        assertThat(command.dataDir).isEqualTo(Path.of("/var/lib/datamover/journal"));
        assertThat(command.journalMaxBytes).isEqualTo(4L << 30);
        assertThat(command.batchIntervalMs).isEqualTo(50); // the flag wins over the file
        assertThat(command.ackTimeout.millis()).isEqualTo(300_000); // a slow WAN link: 5 min for one batch
    }

    @Test
    void aRepeatableOptionTakesCommaSeparatedValues() throws IOException {
        Path file = config("export = root=/images/root.img, data=/images/data.img\ngateway = gw:10811\n"
                + "state-dir = /var/lib/datamover/tap\n");
        TapCommand command = parse("tap", "--config=" + file);
        assertThat(command.ackTimeout.millis()).isEqualTo(60_000);
        assertThat(command.exports).containsExactly(
                java.util.Map.entry("root", Path.of("/images/root.img")),
                java.util.Map.entry("data", Path.of("/images/data.img")));
    }

    @Test
    void anUnknownSettingIsAUsageErrorNamingIt() throws IOException {
        Path file = config("data-dir = /d\nreplica-dir = /r\nbatch-intervall = 100\n");
        assertThatThrownBy(() -> parse("target-gateway", "--config", file.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("unknown setting 'batch-intervall'");
    }

    @Test
    void aBadConfigExitsWithStatus2AndAOneLineError() throws IOException {
        Path file = config("no-such-setting = 1\n");
        assertThat(runMain("target-gateway", "--config", file.toString()).exitCode).isEqualTo(2);
        Outcome missing = runMain("target-gateway", "--config", dir.resolve("absent.properties").toString());
        assertThat(missing.exitCode).isEqualTo(2);
        assertThat(missing.stderr.lines().findFirst().orElse("")).contains("cannot read config file");
    }

    @Test
    void aBadValueInTheFileIsReportedLikeABadFlag() throws IOException {
        Path file = config("listen = nowhere\ndata-dir = /d\nreplica-dir = /r\n");
        Outcome outcome = runMain("target-gateway", "--config", file.toString());
        assertThat(outcome.exitCode).isEqualTo(2);
        assertThat(outcome.stderr).contains("is not HOST:PORT");
    }

    @Test
    void aJournalTooSmallForAResyncIsRefused() throws IOException {
        Outcome outcome = runMain("source-gateway", "--listen", "127.0.0.1:0", "--target", "127.0.0.1:1",
                "--data-dir", dir.resolve("d").toString(), "--journal-max", "4M", "--admin", "off",
                "--insecure-plaintext");
        assertThat(outcome.exitCode).isEqualTo(2);
        assertThat(outcome.stderr).contains("--journal-max must be at least 16M");
    }

    @Test
    void bothGatewaysTakeMaxGroupsAndRefuseLessThanOne() throws IOException {
        assertTargetRefuses("max-groups = 0", "maxGroups must be >= 1");
        assertSourceRefuses("maxGroups must be >= 1", "--max-groups", "0");
    }

    @Test
    void bothGatewaysTakeListenerLimitsAndRefuseMoreHandshakesThanConnections() throws IOException {
        assertTargetRefuses("max-connections = 10\nmax-handshakes = 11", "maxHandshakes must be 1..10");
        assertSourceRefuses("helloTimeoutMs must be >= 1", "--hello-timeout", "0");
    }

    @Test
    void aDaemonWithoutTlsFilesOrInsecurePlaintextIsRefusedSayingHowToMakeCertificates() throws IOException {
        Outcome outcome = runMain("target-gateway", "--data-dir", dir.resolve("d").toString(), "--replica-dir",
                dir.resolve("r").toString(), "--admin", "off");
        assertThat(outcome.exitCode).isEqualTo(2);
        assertThat(outcome.stderr).contains("--tls-dir DIR", "datamover cert create-ca", "datamover cert create",
                "--insecure-plaintext");
        assertRefused("exclude each other", "target-gateway", "--data-dir", "d", "--replica-dir", "r",
                "--tls-dir", dir.toString(), "--insecure-plaintext");
        assertRefused("--tls-provider must be jdk or openssl, not 'boring'", "target-gateway", "--data-dir", "d",
                "--replica-dir", "r", "--tls-dir", dir.toString(), "--tls-provider", "boring");
    }

    @Test
    void aBadReplicaMapIsAUsageErrorSayingWhatIsExpected() {
        String[] base = {"target-gateway", "--data-dir", "d", "--replica-dir", "r", "--insecure-plaintext",
                "--admin", "off", "--replica-map"};
        assertRefused("--replica-map must be CG/DISK=DEVICE, not 'vm=/dev/loop3'", with(base, "vm=/dev/loop3"));
        assertRefused("x is not a consistency group id", with(base, "x/vm=/dev/loop3"));
        assertRefused("replica device dev/loop3 must be an absolute path", with(base, "1/vm=dev/loop3"));
    }

    private static String[] with(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    @Test
    void aTlsDirFromTheConfigFileWithAKeyReadableByOthersRefusesTheStartNamingTheFile() throws IOException {
        Path tls = io.datamover.protocol.tls.LabCertificates.create(dir.resolve("tls"), "p", List.of(1),
                List.of("127.0.0.1"));
        Path key = tls.resolve("target-gateway.key");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path file = config("data-dir = " + dir.resolve("d") + "\nreplica-dir = " + dir.resolve("r")
                + "\ntls-dir = " + tls + "\nadmin = off\n");

        Outcome outcome = runMain("target-gateway", "--config", file.toString());

        assertThat(outcome.exitCode).isEqualTo(1);
        assertThat(outcome.stderr).contains(key + " is readable by group or others (mode 0644", "chmod 600 " + key);
        Files.delete(key);
        Outcome missing = runMain("target-gateway", "--config", file.toString());
        assertThat(missing.exitCode).isEqualTo(1);
        assertThat(missing.stderr).contains(key + " is missing");
    }

    @Test
    void aPairOrGroupItsCertificateDoesNotNameIsRefusedAtStartNotByEveryPeerLater() throws IOException {
        Path tls = io.datamover.protocol.tls.LabCertificates.create(dir.resolve("tls"), "p", List.of(1),
                List.of("127.0.0.1"));
        assertRefused("--pair q, but this daemon's certificate is for pair 'p'", "target-gateway", "--data-dir",
                dir.resolve("d").toString(), "--replica-dir", dir.resolve("r").toString(), "--admin", "off",
                "--tls-dir", tls.toString(), "--pair", "q");
        assertRefused("--pair q, but this daemon's certificate is for pair 'p'", "source-gateway", "--listen",
                "127.0.0.1:0", "--target", "127.0.0.1:1", "--data-dir", dir.resolve("d").toString(), "--admin", "off",
                "--tls-dir", tls.toString(), "--pair", "q");
        Path disk = Files.createFile(dir.resolve("vm.img"));
        assertRefused("--cg-id 2, but this tap's certificate names only the groups of datamover:/pair/p/role/tap/cg/1",
                "tap", "--export", "vm=" + disk, "--gateway", "127.0.0.1:1", "--state-dir",
                dir.resolve("s").toString(), "--admin", "off", "--tls-dir", tls.toString(), "--cg-id", "2");
    }

    /** A target gateway whose config file holds {@code settings} is refused with exit status 2 and {@code expected}. */
    private void assertTargetRefuses(String settings, String expected) throws IOException {
        Path file = config(settings + "\ndata-dir = /d\nreplica-dir = /r\ninsecure-plaintext = true\n");
        assertRefused(expected, "target-gateway", "--config", file.toString(), "--admin", "off");
    }

    /** A source gateway given {@code flags} besides the ones it needs is refused with exit status 2 and {@code expected}. */
    private void assertSourceRefuses(String expected, String... flags) {
        List<String> args = new ArrayList<>(List.of("source-gateway", "--listen", "127.0.0.1:0", "--target",
                "127.0.0.1:1", "--data-dir", dir.resolve("d").toString(), "--admin", "off", "--insecure-plaintext"));
        args.addAll(List.of(flags));
        assertRefused(expected, args.toArray(String[]::new));
    }

    private static void assertRefused(String expected, String... args) {
        Outcome outcome = runMain(args);
        assertThat(outcome.exitCode).isEqualTo(2);
        assertThat(outcome.stderr).contains(expected);
    }

    private record Outcome(int exitCode, String stderr) {}

    private static Outcome runMain(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
