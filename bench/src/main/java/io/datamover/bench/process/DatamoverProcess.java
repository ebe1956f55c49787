package io.datamover.bench.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One {@code bin/datamover} daemon run as the operator runs it, its output in a log file. */
public final class DatamoverProcess implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 60_000;

    private final Process process;
    private final Path log;

    private DatamoverProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code bin/datamover args...} with {@code javaOptions} in {@code DATAMOVER_JAVA_OPTS}; the command is
     * not rebuilt (bin/bench has just built it, tests build it with the reactor). A daemon speaks mutual TLS with
     * lab certificates ({@link LabTls}) unless {@code args} choose.
     */
    public static DatamoverProcess start(Path log, String javaOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher().toString()));
        command.addAll(LabTls.secured(List.of(args)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("DATAMOVER_NO_BUILD", "1");
        builder.environment().put("DATAMOVER_JAVA_OPTS", javaOptions);
        return new DatamoverProcess(builder.start(), log);
    }

    /** bin/datamover of this checkout: {@code -Ddatamover.root} (set by bin/bench) or found above the cwd. */
    public static Path launcher() throws IOException {
        String root = System.getProperty("datamover.root");
        if (root != null) {
            return Path.of(root, "bin", "datamover");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("bin/datamover");
            if (Files.isExecutable(candidate) && Files.isDirectory(dir.resolve("cli"))) {
                if (!Files.isDirectory(dir.resolve("cli/target/datamover/lib"))) {
                    throw new IOException("the datamover command is not assembled: run ./mvnw -pl cli -am package");
                }
                return candidate;
            }
        }
        throw new IOException("bin/datamover not found above " + Path.of("").toAbsolutePath());
    }

    /** The JVM's pid: bin/datamover execs java. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crashed gateway host. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** The last lines of its log, for an error message. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public Path log() {
        return log;
    }

    /** Whether its log holds {@code text} so far. */
    public boolean logContains(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException("log unreadable: " + log, e);
        }
    }

    /** Waits until something listens on loopback {@code port}; fails when the process exits or past 60 s. */
    public void awaitListening(int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!isAlive()) {
                throw new IOException("the process exited before listening on " + port + ":\n" + logTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200); // polling a port that is not open yet; the deadline bounds it
            }
        }
        throw new IOException("nothing listens on " + port + " after " + START_TIMEOUT_MS + " ms:\n" + logTail());
    }

    /** Waits for a one-shot command to exit: its exit status; past {@code timeout} it is killed and this throws. */
    public int awaitExit(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IOException("datamover did not finish in " + timeout + ":\n" + logTail());
        }
        return process.exitValue();
    }

    /** SIGTERM (the daemons stop cleanly on it) without waiting: several daemons can then stop side by side. */
    public void terminate() {
        process.destroy();
    }

    /** SIGTERM (the daemons stop cleanly on it), then SIGKILL past 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
