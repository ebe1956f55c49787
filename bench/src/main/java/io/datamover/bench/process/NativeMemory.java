package io.datamover.bench.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's off-heap buffers as Native Memory Tracking counts them (the JVM must run with
 * {@code -XX:NativeMemoryTracking=summary}). NMT's "Other" category is where {@code Unsafe.allocateMemory} lands: the
 * JDK's direct buffers and Netty's pooled arenas, which the launcher lets Netty allocate without a cleaner, so the
 * JDK's own direct buffer pool does not see them.
 */
public final class NativeMemory {
    private static final Pattern OTHER = Pattern.compile(
            "Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)(?:\\s*\\(malloc=(\\d+)KB[^)]*\\)\\s*\\((?:peak=(\\d+)KB|at peak))?");

    /** NMT's "Other": committed now and the highest malloc'd since the JVM started, in bytes; -1 when unreadable. */
    public record Other(long committedBytes, long peakBytes) {
        static final Other UNREADABLE = new Other(-1, -1);
    }

    private NativeMemory() {}

    /** Asks the JVM {@code pid} with jcmd; a JVM without NMT, or gone, reads as {@link Other#UNREADABLE}. */
    public static Other other(long pid) throws IOException, InterruptedException {
        // The JDK running the bench is the one bin/datamover picks (bin/lib/jdk.sh): its jcmd speaks to the daemons.
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", "summary", "scale=KB")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return Other.UNREADABLE;
        }
        return parse(out);
    }

    static Other parse(String summary) {
        Matcher m = OTHER.matcher(summary);
        if (!m.find()) {
            return Other.UNREADABLE;
        }
        long committed = Long.parseLong(m.group(1)) * 1024;
        // A JDK that prints no peak (before 22), or says "at peak": the current figure is the highest known.
        String peak = m.group(3) != null ? m.group(3) : m.group(2);
        return new Other(committed, peak == null ? committed : Math.max(committed, Long.parseLong(peak) * 1024));
    }
}
