package io.datamover.bench.outage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the tap process's memory and window: its admin port's {@code /metrics}, {@code /proc}, and NMT. */
final class TapSampler {
    private static final Pattern NMT_OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    private final long pid;
    private final URI metrics;
    private final Path jcmd;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<TapSample> samples = new ArrayList<>();

    TapSampler(long pid, int adminPort) {
        this.pid = pid;
        this.metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
        // The JDK running the bench is the one bin/datamover picks (bin/lib/jdk.sh): its jcmd speaks to the tap.
        this.jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
    }

    /** Takes one sample stamped {@code seconds}; a failed scrape throws, the tap being gone is a result. */
    TapSample sample(double seconds) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long jdkDirect = PrometheusText.sum(text, "jvm_buffer_memory_used_bytes", "id=\"direct\"");
        TapSample s = new TapSample(seconds, PrometheusText.sum(text, "jvm_memory_used_bytes", "area=\"heap\""),
                Math.max(jdkDirect, nmtOtherBytes()), rssBytes(),
                PrometheusText.sum(text, "datamover_sender_window_bytes", ""),
                PrometheusText.sum(text, "datamover_tap_records_unacknowledged", ""),
                PrometheusText.sum(text, "datamover_tap_replication_bitmap_mode", "") > 0);
        samples.add(s);
        return s;
    }

    List<TapSample> samples() {
        return List.copyOf(samples);
    }

    private long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** NMT's "Other" committed bytes (Unsafe.allocateMemory: direct buffers, Netty's arenas), or -1. */
    private long nmtOtherBytes() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", "summary", "scale=KB")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        Matcher m = NMT_OTHER.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    }
}
