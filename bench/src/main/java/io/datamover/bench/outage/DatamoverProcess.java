package io.datamover.bench.outage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One {@code bin/datamover} daemon run as the operator runs it, its output in a log file. */
final class DatamoverProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DatamoverProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code bin/datamover args...} with {@code javaOptions} in {@code DATAMOVER_JAVA_OPTS}; the command is
     * not rebuilt (bin/bench has just built it, tests build it with the reactor).
     */
    static DatamoverProcess start(Path log, String javaOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("DATAMOVER_NO_BUILD", "1");
        builder.environment().put("DATAMOVER_JAVA_OPTS", javaOptions);
        return new DatamoverProcess(builder.start(), log);
    }

    /** bin/datamover of this checkout: {@code -Ddatamover.root} (set by bin/bench) or found above the cwd. */
    static Path launcher() throws IOException {
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
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crashed gateway host. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** The last lines of its log, for an error message. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    Path log() {
        return log;
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
