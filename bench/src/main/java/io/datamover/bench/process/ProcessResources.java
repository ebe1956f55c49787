package io.datamover.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a process holds now, from {@code /proc/<pid>}: its threads, by kind, its open file descriptors and its
 * resident set.
 *
 * @param threadsByKind thread names (the kernel's {@code comm}: a JVM thread's name, cut at 15 characters) with
 *     every run of digits replaced by {@code N}, so the threads of one kind (one per group, a pool's) count together
 */
public record ProcessResources(long threads, long descriptors, long rssBytes, Map<String, Integer> threadsByKind) {

    public static ProcessResources of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        long descriptors;
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            descriptors = fds.count();
        }
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    kinds.merge(kind(Files.readString(task.resolve("comm")).strip()), 1, Integer::sum);
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return new ProcessResources(ProcFs.threads(pid), descriptors, ProcFs.rssBytes(pid), kinds);
    }

    static String kind(String threadName) {
        return threadName.replaceAll("\\d+", "N");
    }

    /** The {@code n} kinds with the most threads, most first: {@code "name xCOUNT, ..."}. */
    public String topKinds(int n) {
        return threadsByKind.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(n).map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", "));
    }
}
