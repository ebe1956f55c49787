package io.datamover.bench.rpo;

import io.datamover.bench.process.NativeMemory;
import io.datamover.bench.process.ProcFs;
import io.datamover.bench.process.PrometheusText;
import io.datamover.bench.rpo.DaemonPipeline.Component;
import io.datamover.bench.rpo.DaemonPipeline.Daemon;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * CPU and memory of each component of a {@link DaemonPipeline}, each its own JVM, over a run. CPU is the process's
 * user and system time from {@code /proc/<pid>/stat} (GC and JIT included) between start and stop. Every 250 ms:
 * the resident set ({@code VmRSS}), and from the admin port's {@code /metrics} the heap in use and the JDK's
 * direct buffer pool. At stop, Native Memory Tracking's peak of "Other" (the JDK's direct buffers and Netty's
 * pooled arenas, which the JDK's pool does not see) since the JVM started; the direct peak is the larger of the
 * two. The emulated link runs in the bench's JVM: its CPU is its threads' ({@code link-proxy*}).
 *
 * <p>Serving the harness's admin requests costs each daemon CPU (the tap answers 100 status reads a second), so
 * before measuring, each daemon's CPU per request is calibrated over {@link #CALIBRATION_REQUESTS} back-to-back
 * status reads at idle, and the usage says how many requests the run sent it and their estimated CPU.
 */
final class ResourceSampler {
    static final long POLL_MS = 250;
    static final int CALIBRATION_REQUESTS = 300;

    /**
     * What one component used over a run; memory in bytes.
     *
     * @param adminRequests admin requests the harness sent it during the run
     * @param adminCpuSeconds their estimated CPU: the requests times the CPU per request calibrated at idle
     */
    record ComponentUsage(double cpuSeconds, long adminRequests, double adminCpuSeconds, long peakRssBytes,
            long meanRssBytes, long peakHeapBytes, long peakDirectBytes) {}

    /** What a run cost, per component, and the link's CPU. */
    record Usage(Map<Component, ComponentUsage> components, double linkCpuSeconds, double wallSeconds) {
        Usage {
            components = Map.copyOf(components);
        }

        /** The component's CPU, less its admin reads, in microseconds per MiB of {@code guestBytes}. */
        double cpuMicrosPerMiB(Component component, long guestBytes) {
            ComponentUsage used = components.get(component);
            return (used.cpuSeconds() - used.adminCpuSeconds()) * 1e6 / (guestBytes / (double) (1 << 20));
        }
    }

    /** Peaks and sums of one daemon's samples; the timer thread writes, {@link #stop()} reads after it ended. */
    private static final class Tally {
        final Daemon daemon;
        double cpuPerRequest;
        double cpuAtStart;
        long requestsAtStart;
        long peakRss;
        long rssSum;
        int rssSamples;
        long peakHeap;
        long peakJdkDirect;

        Tally(Daemon daemon) {
            this.daemon = daemon;
        }
    }

    private final Map<Component, Tally> tallies = new EnumMap<>(Component.class);
    private final AdminClient admin;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> linkCpuAtStart = new HashMap<>();
    private final Map<Long, Long> linkCpuLastSeen = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "resource-sampler");
        t.setDaemon(true);
        return t;
    });
    private long startNanos;
    private volatile Exception failure;

    private ResourceSampler(DaemonPipeline pipeline) {
        this.admin = pipeline.admin();
        pipeline.daemons().forEach((component, daemon) -> tallies.put(component, new Tally(daemon)));
    }

    /** Starts measuring the pipeline's daemons and its link. */
    static ResourceSampler start(DaemonPipeline pipeline) throws IOException, InterruptedException {
        ResourceSampler sampler = new ResourceSampler(pipeline);
        // One daemon at a time: calibrating them side by side on two cores measured contention more than requests.
        for (Tally t : sampler.tallies.values()) {
            t.cpuPerRequest = sampler.calibrate(t.daemon);
        }
        for (Tally t : sampler.tallies.values()) {
            t.cpuAtStart = ProcFs.cpuSeconds(t.daemon.process().pid());
            t.requestsAtStart = sampler.admin.requests(t.daemon.adminPort());
        }
        sampler.linkCpu(sampler.linkCpuAtStart);
        sampler.startNanos = System.nanoTime();
        sampler.poll();
        sampler.timer.scheduleAtFixedRate(sampler::pollOrNote, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
        return sampler;
    }

    /** Stops measuring; reads each daemon's CPU and NMT peak, so call it while the daemons still run. */
    Usage stop() throws IOException, InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the resource sampler did not stop");
        }
        if (failure != null) {
            throw new IllegalStateException("the resource sampler failed", failure);
        }
        poll();
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Map<Component, Long> nmtPeaks = new ConcurrentHashMap<>();
        forEachDaemon(t -> nmtPeaks.put(t.daemon.component(), NativeMemory.other(t.daemon.process().pid()).peakBytes()));
        Map<Component, ComponentUsage> usage = new EnumMap<>(Component.class);
        for (Map.Entry<Component, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            long pid = t.daemon.process().pid();
            long nmtPeak = nmtPeaks.get(e.getKey());
            long requests = admin.requests(t.daemon.adminPort()) - t.requestsAtStart;
            usage.put(e.getKey(), new ComponentUsage(ProcFs.cpuSeconds(pid) - t.cpuAtStart, requests,
                    requests * t.cpuPerRequest, t.peakRss,
                    t.rssSamples == 0 ? 0 : t.rssSum / t.rssSamples, t.peakHeap, Math.max(t.peakJdkDirect, nmtPeak)));
        }
        double link = linkCpuLastSeen.entrySet().stream()
                .mapToLong(e -> e.getValue() - linkCpuAtStart.getOrDefault(e.getKey(), 0L)).sum() / 1e9;
        return new Usage(usage, link, wall);
    }

    private void pollOrNote() {
        try {
            poll();
        } catch (Exception e) {
            // A daemon that stops answering ends the series; stop() reports it rather than short figures.
            failure = e;
            timer.shutdown();
        }
    }

    private synchronized void poll() throws IOException, InterruptedException {
        for (Tally t : tallies.values()) {
            long rss = ProcFs.rssBytes(t.daemon.process().pid());
            t.peakRss = Math.max(t.peakRss, rss);
            t.rssSum += rss;
            t.rssSamples++;
            String text = admin.get(t.daemon.adminPort(), "/metrics");
            t.peakHeap = Math.max(t.peakHeap, PrometheusText.sum(text, "jvm_memory_used_bytes", "area=\"heap\""));
            t.peakJdkDirect = Math.max(t.peakJdkDirect,
                    PrometheusText.sum(text, "jvm_buffer_memory_used_bytes", "id=\"direct\""));
        }
        linkCpu(linkCpuLastSeen);
    }

    /** A step that reads a daemon from outside (HTTP, jcmd). */
    private interface DaemonStep {
        void run(Tally tally) throws IOException, InterruptedException;
    }

    /** Runs {@code step} for every daemon at once, one virtual thread each, and waits for all. */
    private void forEachDaemon(DaemonStep step) throws IOException, InterruptedException {
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Tally t : tallies.values()) {
                running.add(each.submit(() -> {
                    step.run(t);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IllegalStateException("reading a daemon failed", e.getCause());
                }
            }
        }
    }

    /** The daemon's CPU seconds per status read, over {@link #CALIBRATION_REQUESTS} of them in a row. */
    private double calibrate(Daemon daemon) throws IOException {
        long pid = daemon.process().pid();
        double before = ProcFs.cpuSeconds(pid);
        for (int i = 0; i < CALIBRATION_REQUESTS; i++) {
            admin.get(daemon.adminPort(), "/status");
        }
        return (ProcFs.cpuSeconds(pid) - before) / CALIBRATION_REQUESTS;
    }

    /** CPU nanoseconds of this JVM's link threads, by thread id, into {@code into}. */
    private void linkCpu(Map<Long, Long> into) {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("link-proxy")) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    into.put(info.getThreadId(), cpu);
                }
            }
        }
    }
}
