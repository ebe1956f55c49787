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
 * @param descriptorsByKind what the descriptors refer to: {@code socket}, {@code pipe}, an anonymous inode
 *     ({@code anon_inode:[eventpoll]}: an event loop's epoll), or a file by its name's extension ({@code *.cq4})
 */
public record ProcessResources(long threads, long descriptors, long rssBytes, Map<String, Integer> threadsByKind,
        Map<String, Integer> descriptorsByKind) {

    public static ProcessResources of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        Map<String, Integer> descriptors = new TreeMap<>();
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    descriptors.merge(descriptorKind(Files.readSymbolicLink(fd).toString()), 1, Integer::sum);
                } catch (NoSuchFileException closed) {
                    // closed between the listing and the read
                }
            }
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
        return new ProcessResources(ProcFs.threads(pid), descriptors.values().stream().mapToInt(Integer::intValue)
                .sum(), ProcFs.rssBytes(pid), kinds, descriptors);
    }

    static String kind(String threadName) {
        return threadName.replaceAll("\\d+", "N");
    }

    /** {@code socket:[123]} as {@code socket}; a file as {@code *.} and its extension (its name without one). */
    static String descriptorKind(String target) {
        if (!target.startsWith("/")) {
            return target.replaceAll(":\\[\\d+]$", "");
        }
        String name = target.substring(target.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? "*" + name.substring(dot) : kind(name);
    }

    /** The {@code n} kinds with the most threads, most first: {@code "name xCOUNT, ..."}. */
    public String topKinds(int n) {
        return top(threadsByKind, n);
    }

    /** The {@code n} kinds with the most descriptors, most first: {@code "kind xCOUNT, ..."}. */
    public String topDescriptorKinds(int n) {
        return top(descriptorsByKind, n);
    }

    private static String top(Map<String, Integer> byKind, int n) {
        return byKind.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(n).map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", "));
    }
}
