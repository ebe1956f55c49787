package io.datamover.bench.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** What the benches read of a daemon process: Prometheus sums, NMT's "Other" line, and {@code /proc}. */
class ProcessReadingsTest {
    @Test
    void prometheusSumsTheMatchingSamplesOnly() {
        String text = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 3.5651584E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 1000.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.0E9
                datamover_sender_window_bytes{cg="1"} 4096.0
                """;

        assertThat(PrometheusText.sum(text, "jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(35_652_584L);
        assertThat(PrometheusText.sum(text, "datamover_sender_window_bytes", "")).isEqualTo(4096);
        assertThat(PrometheusText.sum(text, "jvm_buffer_memory_used_bytes", "")).isEqualTo(-1);
    }

    @Test
    void nativeMemoryTrackingGivesOthersCommittedAndPeakBytes() {
        String peakPassed = """
                -                     Other (reserved=12KB, committed=12KB)
                                            (malloc=10KB tag=Other #2) (peak=51210KB #3)
                """;
        String atPeak = """
                -                     Other (reserved=2048KB, committed=2048KB)
                                            (malloc=2048KB tag=Other #9) (at peak)
                """;
        String noPeak = "-                     Other (reserved=300KB, committed=300KB)\n";

        assertThat(NativeMemory.parse(peakPassed)).isEqualTo(new NativeMemory.Other(12 << 10, 51210L << 10));
        assertThat(NativeMemory.parse(atPeak)).isEqualTo(new NativeMemory.Other(2048 << 10, 2048 << 10));
        assertThat(NativeMemory.parse(noPeak)).isEqualTo(new NativeMemory.Other(300 << 10, 300 << 10));
        assertThat(NativeMemory.parse("Native Memory Tracking is not enabled")).isEqualTo(NativeMemory.Other.UNREADABLE);
    }

    @Test
    void procReadsThisJvmsResidentSetAndCpuTime() throws Exception {
        long pid = ProcessHandle.current().pid();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        assertThat(ProcFs.rssBytes(pid)).isGreaterThan(used / 2).isLessThan(64L << 30);
        double cpu = ProcFs.cpuSeconds(pid);
        double jvmSays = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        assertThat(cpu).isPositive().isBetween(jvmSays - 0.5, jvmSays + 0.5);
    }

    @Test
    void procCountsThisJvmsThreadsByKindAndItsDescriptors() throws Exception {
        Thread named = Thread.ofPlatform().name("scale-probe-42").start(() -> {
            try {
                Thread.sleep(60_000); // held until interrupted below
            } catch (InterruptedException done) {
                // interrupted: the test is over
            }
        });
        try {
            ProcessResources resources = ProcessResources.of(ProcessHandle.current().pid());

            assertThat(resources.threadsByKind()).containsEntry("scale-probe-N", 1);
            assertThat(resources.threadsByKind().values().stream().mapToInt(Integer::intValue).sum())
                    .as("every thread has a kind").isBetween((int) resources.threads() - 2, (int) resources.threads() + 2);
            assertThat(resources.descriptors()).isPositive();
            assertThat(resources.topKinds(100)).contains("scale-probe-N x1");
            assertThat(ProcessResources.descriptorKind("socket:[4711]")).isEqualTo("socket");
            assertThat(ProcessResources.descriptorKind("anon_inode:[eventpoll]")).isEqualTo("anon_inode:[eventpoll]");
            assertThat(ProcessResources.descriptorKind("/data/cg-1/journal/20261208-01.cq4")).isEqualTo("*.cq4");
            assertThat(ProcessResources.descriptorKind("/dev/null")).isEqualTo("null");
        } finally {
            named.interrupt();
        }
    }
}
