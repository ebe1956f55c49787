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

    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*(\\d+)");

    static FioFigures parse(String json, int exitCode) throws IOException {
        Matcher error = ERROR.matcher(json);
        if (!error.find()) {
            throw new IOException("no error field in fio's output (exit " + exitCode + "): " + json);
        }
        FioOutput.Latency latency = FioOutput.writeLatency(json);
        return new FioFigures(FioOutput.writeField(json, "io_bytes"), FioOutput.writeField(json, "bw_bytes"),
                latency.p99Nanos(), latency.maxNanos(), Integer.parseInt(error.group(1)), exitCode);
    }

    boolean clean() {
        return errors == 0 && exitCode == 0 && bytesWritten > 0;
    }
}
