package io.datamover.bench.outage;

import io.datamover.bench.process.NativeMemory;
import io.datamover.bench.process.ProcFs;
import io.datamover.bench.process.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the tap process's memory and window: its admin port's {@code /metrics}, {@code /proc}, and NMT. */
final class TapSampler {
    private final long pid;
    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final List<TapSample> samples = new ArrayList<>();

    TapSampler(long pid, int adminPort) {
        this.pid = pid;
        this.metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
    }

    /** Takes one sample stamped {@code seconds}; a failed scrape throws, the tap being gone is a result. */
    TapSample sample(double seconds) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long jdkDirect = PrometheusText.sum(text, "jvm_buffer_memory_used_bytes", "id=\"direct\"");
        TapSample s = new TapSample(seconds, PrometheusText.sum(text, "jvm_memory_used_bytes", "area=\"heap\""),
                Math.max(jdkDirect, NativeMemory.other(pid).committedBytes()), ProcFs.rssBytes(pid),
                PrometheusText.sum(text, "datamover_sender_window_bytes", ""),
                PrometheusText.sum(text, "datamover_tap_records_unacknowledged", ""),
                PrometheusText.sum(text, "datamover_tap_replication_bitmap_mode", "") > 0);
        samples.add(s);
        return s;
    }

    List<TapSample> samples() {
        return List.copyOf(samples);
    }
}
