package io.datamover.cli.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import java.util.List;

/**
 * What a daemon registers with its admin port: the report {@code GET /status} serves, and a tick the admin thread
 * calls once a second (to sample throughput, check RPO objectives).
 */
public interface StatusSource {
    StatusReport report();

    /** Called once a second on the admin ticker thread. */
    default void tick() {}

    /** Every state a group of this daemon can report, for the state-set gauge ({@link GroupStateMetrics}). */
    default List<String> states() {
        return List.of();
    }

    /** The sum of the counters (or function counters) {@code name} tagged {@code cg}, 0 when there are none. */
    static long count(MeterRegistry registry, String name, String cg) {
        double total = 0;
        for (Meter meter : registry.find(name).tag("cg", cg).meters()) {
            for (Measurement measurement : meter.measure()) {
                total += measurement.getValue();
            }
        }
        return (long) total;
    }
}
