package io.datamover.bench.rpo;

import io.datamover.bench.FioOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One fio process writing a {@link Workload}; its JSON report is collected as it exits. */
final class FioRun {
    /** What fio says it wrote, and how long its writes took. */
    record Result(long bytesWritten, long bytesPerSecond, FioOutput.Latency latency) {}

    private final Process process;
    private final CompletableFuture<String> stdout;

    private FioRun(Process process) {
        this.process = process;
        InputStream in = process.getInputStream();
        // Read as it comes so a full pipe never stalls fio.
        this.stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(stdout unreadable: " + e + ")";
            }
        });
    }

    static FioRun start(Workload workload, String nbdUri, long diskBytes) throws IOException {
        return new FioRun(new ProcessBuilder(workload.fioCommand(nbdUri, diskBytes))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** Ends fio now (SIGTERM, then SIGKILL when it lingers), its report unread: a guest whose writes are refused. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Waits up to {@code timeoutSeconds} for fio to exit; kills it and fails past that or on a non-zero exit. */
    Result await(long timeoutSeconds) throws IOException, InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("fio did not finish in " + timeoutSeconds + " s");
        }
        String json;
        try {
            json = stdout.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("fio's output could not be read", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("fio exited with " + process.exitValue() + ": " + json);
        }
        return new Result(FioOutput.writeField(json, "io_bytes"), FioOutput.writeField(json, "bw_bytes"),
                FioOutput.writeLatency(json));
    }
}
