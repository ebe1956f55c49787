package io.datamover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** File chores of the bench commands. */
public final class BenchFiles {
    private BenchFiles() {}

    /** Deletes {@code root} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Copies the daemons' logs ({@code *.log}) of a failed run's directory to {@code target} before the run's files
     * are deleted, so the failure can be read afterwards; returns {@code target}.
     */
    public static Path keepLogs(Path runDirectory, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> logs = Files.list(runDirectory)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, target.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }

    /** {@code parent/name}, emptied (a run left over by a killed bench is removed) and created. */
    public static Path freshDirectory(Path parent, String name) throws IOException {
        Path dir = parent.resolve(name);
        deleteTree(dir);
        return Files.createDirectories(dir);
    }
}
