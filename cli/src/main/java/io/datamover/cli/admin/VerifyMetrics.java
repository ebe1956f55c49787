package io.datamover.cli.admin;

import io.datamover.disk.Extent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metrics of online verify, kept by the source gateway that runs it: the last run's regions compared, different
 * (before any repair) and unsettled, the runs, and the regions {@code --repair} had the tap resync (in the tap's
 * 64 KiB dirty regions).
 */
final class VerifyMetrics {
    /** The unit the repaired-regions counter counts in: the tap's dirty-region size. */
    private static final long REGION_BYTES = 64 << 10;

    private final AtomicLong compared = new AtomicLong();
    private final AtomicLong different = new AtomicLong();
    private final AtomicLong unsettled = new AtomicLong();
    private final Counter runs;
    private final Counter repaired;

    VerifyMetrics(MeterRegistry registry) {
        gauge(registry, "datamover.verify.last.regions.compared", "regions the last online verify compared", compared);
        gauge(registry, "datamover.verify.last.regions.different",
                "regions the last online verify found different (before any repair)", different);
        gauge(registry, "datamover.verify.last.regions.unsettled",
                "regions the last online verify could not compare (written throughout)", unsettled);
        runs = Counter.builder("datamover.verify.runs").description("online verifies that ran to their outcome")
                .register(registry);
        repaired = Counter.builder("datamover.verify.repaired.regions")
                .description("regions online verify --repair had the tap resync").register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String help, AtomicLong value) {
        Gauge.builder(name, value, AtomicLong::get).description(help).register(registry);
    }

    void outcome(long compared, long different, long unsettled) {
        this.compared.set(compared);
        this.different.set(different);
        this.unsettled.set(unsettled);
        runs.increment();
    }

    void repaired(List<Extent> ranges) {
        repaired.increment(ranges.stream().mapToLong(range -> (range.length() + REGION_BYTES - 1) / REGION_BYTES)
                .sum());
    }
}
