package io.datamover.bench;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Figures read from fio's {@code --output-format=json}, without a JSON library for a few numbers. */
public final class FioOutput {
    /** The write section's completion latency: fio prints min, max, mean, stddev, then the percentiles. */
    private static final Pattern WRITE_LATENCY = Pattern.compile("\"write\"\\s*:\\s*\\{.*?\"clat_ns\"\\s*:\\s*\\{"
            + ".*?\"max\"\\s*:\\s*(\\d+).*?\"mean\"\\s*:\\s*([0-9.eE+-]+).*?\"99\\.000000\"\\s*:\\s*(\\d+)",
            Pattern.DOTALL);

    /** The writes' completion latency (submission to completion), nanoseconds. */
    public record Latency(double meanNanos, long p99Nanos, long maxNanos) {}

    private FioOutput() {}

    /** A numeric field of the first job's {@code "write"} section, e.g. {@code bw_bytes} or {@code io_bytes}. */
    public static long writeField(String json, String field) throws IOException {
        Matcher m = Pattern.compile("\"write\"\\s*:\\s*\\{.*?\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)",
                Pattern.DOTALL).matcher(json);
        if (!m.find()) {
            throw new IOException("no write " + field + " in fio's output: " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** The first job's write completion latency. */
    public static Latency writeLatency(String json) throws IOException {
        Matcher m = WRITE_LATENCY.matcher(json);
        if (!m.find()) {
            throw new IOException("no write completion latency in fio's output: " + json);
        }
        return new Latency(Double.parseDouble(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(1)));
    }
}
