package io.datamover.tap.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Runs the real NBD clients (qemu-io, nbdcopy, nbdinfo, fio) as processes with a deadline. */
public final class Tools {

    private Tools() {
    }

    /** Skips the test when the client binary is not installed. */
    public static void assumeInstalled(String binary) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            found |= Files.isExecutable(Path.of(dir, binary));
        }
        assumeTrue(found, binary + " is not installed");
    }

    /** The finished process: exit code and everything it printed. */
    public record Result(int exitCode, String output) {
    }

    public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return start(command).await(timeout);
    }

    public static Running start(String... command) throws IOException {
        Path output = Files.createTempFile("tap-tool", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new Running(List.of(command), process, output);
    }

    /** A started tool; {@link #await} kills it if it overruns its deadline. */
    public record Running(List<String> command, Process process, Path output) {
        public Result await(Duration timeout) throws IOException, InterruptedException {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError(command + " did not finish within " + timeout + ":\n" + read());
                }
                return new Result(process.exitValue(), read());
            } finally {
                Files.deleteIfExists(output);
            }
        }

        private String read() throws IOException {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
    }

    /** {@code qemu-io -f raw <uri> -c cmd1 -c cmd2 ...}. */
    public static String[] qemuIo(String uri, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", uri));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        return command.toArray(String[]::new);
    }

    /**
     * Random writes (patterns 1..255), zero writes and discards as qemu-io commands, {@code blockBytes} aligned,
     * 1 to {@code maxBlocks} blocks long, anywhere on a disk of {@code diskBytes}.
     */
    public static List<String> randomWrites(Random random, int count, long diskBytes, int blockBytes, int maxBlocks) {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long offset = random.nextLong(diskBytes / blockBytes - maxBlocks) * blockBytes;
            int length = blockBytes * (1 + random.nextInt(maxBlocks));
            commands.add(switch (random.nextInt(6)) {
                case 0 -> "write -z " + offset + " " + length;
                case 1 -> "discard " + offset + " " + length;
                default -> "write -P 0x" + Integer.toHexString(1 + random.nextInt(255)) + " " + offset + " " + length;
            });
        }
        return commands;
    }
}
