package io.datamover.bench.outage;

import io.datamover.bench.FioOutput;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the guest saw, from fio's JSON report: its write throughput, its p99 completion latency, its I/O errors and
 * exit code.
 */
record FioFigures(long bytesWritten, long bytesPerSecond, long p99LatencyNanos, long maxLatencyNanos, int errors,
        int exitCode) {

    private static final Pattern P99 = Pattern.compile(
            "\"write\"\\s*:\\s*\\{.*?\"clat_ns\"\\s*:\\s*\\{.*?\"max\"\\s*:\\s*(\\d+).*?\"99\\.000000\"\\s*:\\s*(\\d+)",
            Pattern.DOTALL);
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*(\\d+)");

    static FioFigures parse(String json, int exitCode) throws IOException {
        Matcher p99 = P99.matcher(json);
        Matcher error = ERROR.matcher(json);
        if (!p99.find() || !error.find()) {
            throw new IOException("no write latency or error field in fio's output (exit " + exitCode + "): " + json);
        }
        return new FioFigures(FioOutput.writeField(json, "io_bytes"), FioOutput.writeField(json, "bw_bytes"),
                Long.parseLong(p99.group(2)), Long.parseLong(p99.group(1)), Integer.parseInt(error.group(1)),
                exitCode);
    }

    boolean clean() {
        return errors == 0 && exitCode == 0 && bytesWritten > 0;
    }
}
