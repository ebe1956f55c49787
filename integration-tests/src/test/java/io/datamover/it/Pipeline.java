package io.datamover.it;

import static org.awaitility.Awaitility.await;

import io.datamover.cli.local.LocalPipeline;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A {@link LocalPipeline} (tap, source and target gateways in this JVM on loopback) with test helpers. */
final class Pipeline implements AutoCloseable {
    final LocalPipeline local;

    Pipeline(Path base, Map<String, Path> exports, long batchIntervalMs) throws Exception {
        this(exportsOf(LocalPipeline.builder(base).batch(batchIntervalMs, 8 << 20), exports));
    }

    Pipeline(LocalPipeline.Builder builder) throws Exception {
        local = builder.start();
    }

    private static LocalPipeline.Builder exportsOf(LocalPipeline.Builder builder, Map<String, Path> exports) {
        exports.forEach(builder::export);
        return builder;
    }

    String nbdUri(String export) {
        return local.nbdUri(export);
    }

    Path replica(String disk) {
        return local.replica(disk);
    }

    long tapLastSeq() {
        return local.tap().tap().lastSeq();
    }

    /** Waits until the target has applied every write the tap ordered and every replica is UP_TO_DATE. */
    void awaitReplicaCaughtUp(Duration deadline) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(100)).until(local::caughtUp);
    }

    /** The sum of every counter (plain or function-backed) of that name in {@code registry}. */
    static double counter(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum()
                + registry.find(name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    @Override
    public void close() throws Exception {
        local.close();
    }
}
