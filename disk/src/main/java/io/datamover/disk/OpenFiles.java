package io.datamover.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The file descriptors of this process: how many it may hold (the soft RLIMIT_NOFILE, read once; the JVM raises it to
 * the hard limit at start) and how many it holds now. A gateway checks them before it opens a consistency group, so a
 * group whose descriptors would not fit is refused instead of failing later with EMFILE inside a group that works.
 */
public final class OpenFiles {
    private static final Path LIMITS = Path.of("/proc/self/limits");
    private static final Path DESCRIPTORS = Path.of("/proc/self/fd");

    private final long limit;
    private final LongSupplier open;

    /** For tests: a limit and a count of open descriptors. */
    public OpenFiles(long limit, LongSupplier open) {
        this.limit = limit;
        this.open = open;
    }

    /** This process's limit, from {@code /proc/self/limits}, and its open descriptors, from {@code /proc/self/fd}. */
    public static OpenFiles ofThisProcess() throws IOException {
        return new OpenFiles(softLimit(Files.readAllLines(LIMITS)), OpenFiles::countOpen);
    }

    /** The soft limit in the "Max open files" line of {@code /proc/<pid>/limits} ("unlimited": no limit). */
    static long softLimit(List<String> limits) throws IOException {
        for (String line : limits) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new IOException("no 'Max open files' line in " + LIMITS);
    }

    private static long countOpen() {
        try (Stream<Path> fds = Files.list(DESCRIPTORS)) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot count the open descriptors in " + DESCRIPTORS, e);
        }
    }

    public long limit() {
        return limit;
    }

    public long open() {
        return open.getAsLong();
    }
}
