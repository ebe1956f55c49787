package io.datamover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the file-writing benchmarks (journal, applier) put their files: system property {@value #PROPERTY},
 * else {@code /var/tmp} (a disk; {@code /tmp} may be tmpfs, which has no real fdatasync). Each benchmark gets a
 * fresh directory below it and deletes it when done.
 */
public final class BenchDirectory {
    public static final String PROPERTY = "datamover.bench.dir";

    private BenchDirectory() {}

    public static Path root() {
        return Path.of(System.getProperty(PROPERTY, "/var/tmp"));
    }

    /** A new, empty directory under {@link #root()} named after {@code prefix}. */
    public static Path create(String prefix) throws IOException {
        Path root = root();
        Files.createDirectories(root);
        return Files.createTempDirectory(root, "dm-jmh-" + prefix + "-");
    }
}
