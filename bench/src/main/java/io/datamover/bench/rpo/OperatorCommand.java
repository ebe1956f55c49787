package io.datamover.bench.rpo;

import io.datamover.bench.process.DatamoverProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-shot {@code bin/datamover} command an operator runs against a bench's daemons ({@code verify --online},
 * {@code rehearse}), with the daemons' admin token; its output goes to a log file in the run's directory.
 */
final class OperatorCommand {
    private static final AtomicLong RUNS = new AtomicLong();

    /** What the command printed and how it exited, and how long it ran (the JVM's start included). */
    record Outcome(int exitCode, String output, double seconds) {}

    private OperatorCommand() {}

    /** Writes a fresh operator secret to {@code file}, readable by its owner only (the daemons refuse more). */
    static Path writeToken(Path file) throws IOException {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        Files.writeString(file, HexFormat.of().formatHex(secret) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** {@code bin/datamover args... --admin-token-file TOKEN} in {@code dir}, waited for up to {@code timeout}. */
    static Outcome run(Path dir, Path token, Duration timeout, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(args);
        command.addAll(List.of("--admin-token-file", token.toString()));
        Path log = dir.resolve(args.getFirst() + "-" + RUNS.incrementAndGet() + ".log");
        long start = System.nanoTime();
        DatamoverProcess process = DatamoverProcess.start(log, "", command.toArray(String[]::new));
        int exit = process.awaitExit(timeout);
        return new Outcome(exit, Files.readString(log), (System.nanoTime() - start) / 1e9);
    }
}
