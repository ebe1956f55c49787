package io.datamover.cli.admin;

import io.datamover.protocol.SplitBrainRegions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A split brain's figures as metrics, refreshed at each status tick: {@code datamover_split_brain_changed_regions{cg,
 * side}} is how many regions the original or the recovery site changed since the promote, as status shows them (with
 * their region size and bound); NaN while the group is not a split brain or this daemon does not know that side's.
 */
final class SplitBrainMetrics {
    private static final String ORIGINAL = "original";
    private static final String RECOVERY = "recovery";

    private final MeterRegistry registry;
    private final Map<String, StatusReport.SplitBrain> latest = new ConcurrentHashMap<>();

    SplitBrainMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The latest figures of group {@code cg}; null when it is not a split brain. */
    void update(String cg, StatusReport.SplitBrain figures) {
        if (figures == null) {
            latest.computeIfPresent(cg, (k, v) -> new StatusReport.SplitBrain(null, null));
        } else if (latest.put(cg, figures) == null) {
            register(cg, ORIGINAL, StatusReport.SplitBrain::original);
            register(cg, RECOVERY, StatusReport.SplitBrain::recovery);
        }
    }

    private void register(String cg, String side, Function<StatusReport.SplitBrain, SplitBrainRegions> of) {
        Gauge.builder("datamover.split.brain.changed.regions", latest, rows -> {
            SplitBrainRegions r = of.apply(rows.get(cg));
            return r == null ? Double.NaN : r.regions();
        }).description("regions the " + side + " site changed since the promote in a split brain (their size and "
                + "whether exact or a bound: status); NaN when not known here or not a split brain")
                .tags("cg", cg, "side", side).register(registry);
    }
}
