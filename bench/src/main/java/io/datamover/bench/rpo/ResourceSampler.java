package io.datamover.bench.rpo;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * CPU and memory of each component of a {@link io.datamover.cli.local.LocalPipeline}, which all share one JVM.
 * CPU is split by thread name ({@link Component#of}), every 250 ms, so threads that end between polls lose at most
 * that much; GC and JIT are not Java threads and only show in the process total. Memory cannot be split: the heap,
 * the direct buffers and the resident set (which holds the journal's mapped files) are the process's peaks.
 */
final class ResourceSampler {
    static final long POLL_MS = 250;

    /** Where a thread's CPU goes. */
    enum Component {
        TAP("tap"), SOURCE("source gateway"), TARGET("target gateway"), LINK("emulated link"),
        OTHER("other Java threads");

        final String label;

        Component(String label) {
            this.label = label;
        }
    }

    /** What a run cost: CPU seconds per component and in all (GC and JIT included), memory peaks in bytes. */
    record Usage(Map<Component, Double> cpuSeconds, double processCpuSeconds, double wallSeconds, long peakHeapBytes,
            long peakDirectBytes, long peakRssBytes) {}

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Map<Long, Long> cpuAtStart = new HashMap<>();
    private final Map<Long, Long> cpuLastSeen = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "resource-sampler");
        t.setDaemon(true);
        return t;
    });
    private long processCpuAtStart;
    private long startNanos;
    private long peakHeap;
    private long peakDirect;
    private long peakRss;

    private ResourceSampler() {}

    /** Starts measuring. */
    static ResourceSampler start() {
        ResourceSampler sampler = new ResourceSampler();
        sampler.poll(true);
        sampler.processCpuAtStart = sampler.os.getProcessCpuTime();
        sampler.startNanos = System.nanoTime();
        sampler.timer.scheduleAtFixedRate(() -> sampler.poll(false), POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
        return sampler;
    }

    Usage stop() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the resource sampler did not stop");
        }
        poll(false);
        double wall = (System.nanoTime() - startNanos) / 1e9;
        double process = (os.getProcessCpuTime() - processCpuAtStart) / 1e9;
        Map<Component, Double> cpu = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            cpu.put(c, 0.0);
        }
        cpuLastSeen.forEach((id, nanos) -> {
            Component c = componentOf(names.get(id));
            cpu.merge(c, (nanos - cpuAtStart.getOrDefault(id, 0L)) / 1e9, Double::sum);
        });
        return new Usage(cpu, process, wall, peakHeap, peakDirect, peakRss);
    }

    private synchronized void poll(boolean baseline) {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            (baseline ? cpuAtStart : cpuLastSeen).put(info.getThreadId(), cpu);
            names.put(info.getThreadId(), info.getThreadName());
        }
        peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        peakDirect = Math.max(peakDirect, directBytes());
        peakRss = Math.max(peakRss, rssBytes());
    }

    private static long directBytes() {
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        long netty = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
                ? p.metric().usedDirectMemory() : 0;
        // Netty's pooled arenas may sit in JDK direct buffers too; the larger is a floor, never a double count.
        return Math.max(jdk, netty);
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** The component a thread works for, by the names the components give their threads. */
    static Component componentOf(String name) {
        if (name.startsWith("tap-") || name.startsWith("gateway-sender-")) {
            return Component.TAP;
        }
        if (name.startsWith("shipper-") || name.startsWith("journal-cg-") || name.startsWith("source-gateway-")) {
            return Component.SOURCE;
        }
        if (name.startsWith("target-")) {
            return Component.TARGET;
        }
        if (name.startsWith("link-proxy")) {
            return Component.LINK;
        }
        return Component.OTHER;
    }
}
