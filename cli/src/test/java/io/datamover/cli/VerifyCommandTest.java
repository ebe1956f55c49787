package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void equalDisksExitZeroWithASummary() throws IOException {
        Path source = disk("source.img", 0x11);
        Path replica = disk("replica.img", 0x11);

        int exit = run("verify", "--source", source.toString(), "--replica", replica.toString());

        assertThat(exit).isZero();
        assertThat(out.toString()).startsWith("EQUAL: same size, same content")
                .contains("source  " + source + ": size 16 MiB (16777216 bytes), allocated 64 KiB (65536 bytes)")
                .contains("replica " + replica + ": size 16 MiB")
                .contains("read 128 KiB (131072 bytes)")
                .doesNotContain("differing ranges");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void differentDisksExitOneAndListTheRanges() throws IOException {
        Path source = disk("source.img", 0x11);
        Path replica = disk("replica.img", 0x22);

        int exit = run("verify", "--source", source.toString(), "--replica", replica.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).startsWith("DIFFERENT: 1 range differs, 64 KiB (65536 bytes)")
                .contains("    5 MiB (5242880 bytes) .. 5.06 MiB (5308416 bytes), 64 KiB (65536 bytes), [5242880, 5308416)");
    }

    @Test
    void jsonReportCarriesTheVerdictTheFactsAndTheRanges() throws IOException {
        Path source = disk("source \"quoted\".img", 0x11);
        Path replica = disk("replica.img", 0x22);

        int exit = run("verify", "--source", source.toString(), "--replica", replica.toString(), "--json",
                "--region-size", "4K");

        assertThat(exit).isEqualTo(1);
        String json = out.toString().strip();
        assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
        assertThat(json).contains("\"result\":\"DIFFERENT\"", "\"equal\":false", "\"sizesDiffer\":false",
                "\"regionSizeBytes\":4096", "\"differenceCount\":1", "\"differingBytes\":65536",
                "\"differencesTruncated\":false", "\"differences\":[{\"offset\":5242880,\"length\":65536}]",
                "\"bytesRead\":131072");
        assertThat(json).contains("\"path\":\"" + dir + "/source \\\"quoted\\\".img\"");
        assertThat(json).containsPattern("\"source\":\\{[^}]*\"sizeBytes\":16777216,\"allocatedBytes\":65536,"
                + "\"blockDevice\":false}");
        assertThat(json).containsPattern("\"elapsedMillis\":\\d+");
    }

    @Test
    void jsonSaysEqualForEqualDisks() throws IOException {
        Path source = disk("source.img", 0x11);
        Path replica = disk("replica.img", 0x11);

        int exit = run("verify", "--json", "--source", source.toString(), "--replica", replica.toString());

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("\"result\":\"EQUAL\"", "\"differenceCount\":0", "\"differences\":[]");
    }

    @Test
    void badOptionsExitTwoWithTheErrorFirst() throws IOException {
        Path disk = disk("source.img", 0x11);
        String path = disk.toString();

        assertUsageError(new String[] {"verify", "--source", path}, "give --source and --replica, or --cg N --online");
        assertUsageError(new String[] {"verify", "--online", "--source", path},
                "--online needs --cg N, and takes neither --source, --replica nor --json");
        assertUsageError(new String[] {"verify", "--source", path, "--replica", path, "--repair"},
                "--cg and --repair need --online");
        assertUsageError(new String[] {"verify", "--source", path, "--replica", path, "--region-size", "5000"},
                "--region-size: region size must be a power of two from 4 KiB to 1 GiB, got 5000");
        assertUsageError(new String[] {"verify", "--source", path, "--replica", path, "--region-size", "lots"},
                "'lots' is not a size");
        assertUsageError(new String[] {"verify", "--source", path, "--replica", dir.resolve("nope.img").toString()},
                "--replica " + dir.resolve("nope.img") + ": no such file or device");
        assertUsageError(new String[] {"verify", "--source", dir.toString(), "--replica", path},
                "--source " + dir + ": is a directory, not a disk");
        assertUsageError(new String[] {"verify", "--source", path, "--replica", path, "--colour"},
                "Unknown option: '--colour'");
    }

    @Test
    void onlineVerifyAsksTheSourceGatewayAndStopsWithThreeWhenItCannotBeReached() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        int exit = run("verify", "--cg", "1", "--online", "--admin", "127.0.0.1:" + closedPort);

        assertThat(exit).isEqualTo(3);
        assertThat(err.toString()).contains("datamover verify: cannot reach the admin port at 127.0.0.1:" + closedPort)
                .contains("the source gateway's --admin");
    }

    @Test
    void helpDescribesTheExitStatus() {
        int exit = run("verify", "--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("--source=PATH", "--replica=PATH", "--json", "--region-size=SIZE",
                "Exit status:", "0   equal", "1   different", "2   bad options");
    }

    @Test
    void jsonStringsEscapeQuotesBackslashesAndControlCharacters() {
        StringBuilder json = new StringBuilder();
        VerifyReportJson.string(json, "a\"b\\c\nd\u0001é");
        assertThat(json.toString()).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    @Test
    void byteCountsAreHumanAndExact() {
        assertThat(VerifyReportText.bytes(512)).isEqualTo("512 B");
        assertThat(VerifyReportText.bytes(65536)).isEqualTo("64 KiB (65536 bytes)");
        assertThat(VerifyReportText.bytes(4259840)).isEqualTo("4.06 MiB (4259840 bytes)");
        assertThat(VerifyReportText.bytes(8L << 40)).isEqualTo("8 TiB (8796093022208 bytes)");
    }

    private void assertUsageError(String[] args, String message) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        int exit = run(args);
        assertThat(exit).as("exit status of %s", String.join(" ", args)).isEqualTo(2);
        assertThat(err.toString().lines().findFirst()).hasValueSatisfying(first -> assertThat(first).contains(message));
        assertThat(out.toString()).isEmpty();
    }

    private int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A 16 MiB sparse disk with 64 KiB of {@code fill} at 5 MiB. */
    private Path disk(String name, int fill) throws IOException {
        Path path = dir.resolve(name);
        try (SparseFile file = SparseFile.create(path, 16L * MIB)) {
            byte[] block = new byte[64 << 10];
            java.util.Arrays.fill(block, (byte) fill);
            file.writeFully(ByteBuffer.wrap(block), 5L * MIB);
            file.fdatasync();
        }
        return path;
    }
}
