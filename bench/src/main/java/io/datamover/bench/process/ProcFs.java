package io.datamover.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the kernel says of a process: its resident set, threads and the CPU time it used, from {@code /proc/<pid>}. */
public final class ProcFs {
    /** {@code /proc/<pid>/stat} counts in USER_HZ, which Linux fixes at 100 for user space on every architecture. */
    private static final double TICKS_PER_SECOND = 100;
    /** utime and stime: fields 14 and 15 of {@code stat}, i.e. 12 and 13 after the ")" that ends the command name. */
    private static final int UTIME_AFTER_NAME = 11;

    private ProcFs() {}

    /** {@code VmRSS} of {@code /proc/<pid>/status} in bytes, -1 when the line is missing. */
    public static long rssBytes(long pid) throws IOException {
        return statusBytes(pid, "VmRSS:");
    }

    /** {@code VmHWM}, the highest resident set since the process started, in bytes; -1 when the line is missing. */
    public static long peakRssBytes(long pid) throws IOException {
        return statusBytes(pid, "VmHWM:");
    }

    /** {@code Threads} of {@code /proc/<pid>/status}: the threads the process runs now; -1 when the line is missing. */
    public static long threads(long pid) throws IOException {
        return statusNumber(pid, "Threads:");
    }

    private static long statusBytes(long pid, String field) throws IOException {
        long kib = statusNumber(pid, field);
        return kib < 0 ? -1 : kib * 1024;
    }

    private static long statusNumber(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** User plus system CPU seconds the process used since it started (all its threads: GC and JIT included). */
    public static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // The command name may hold spaces and parentheses: count fields from the last ")".
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[UTIME_AFTER_NAME]) + Long.parseLong(fields[UTIME_AFTER_NAME + 1]);
        return ticks / TICKS_PER_SECOND;
    }
}
