package io.datamover.cli.admin;

import io.datamover.gateway.source.SourceGroupStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares each consistency group's RPO with its objective, once per {@link #check()} (the admin ticker calls it
 * every second). Crossing the objective logs one WARN line and counts a breach; getting back under it logs one
 * INFO line. Gauges per group: {@code datamover.source.rpo.objective.seconds} and
 * {@code datamover.source.rpo.objective.breached} (0 or 1).
 */
public final class RpoObjectiveMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(RpoObjectiveMonitor.class);

    private final RpoObjectives objectives;
    private final Supplier<List<SourceGroupStatus>> groups;
    private final MeterRegistry registry;
    private final Map<Integer, Watch> watches = new ConcurrentHashMap<>();

    public RpoObjectiveMonitor(RpoObjectives objectives, Supplier<List<SourceGroupStatus>> groups,
            MeterRegistry registry) {
        this.objectives = objectives;
        this.groups = groups;
        this.registry = registry;
    }

    /** Evaluates every group now; from one thread at a time. */
    public void check() {
        for (SourceGroupStatus group : groups.get()) {
            int cgId = group.identity().cgId();
            double objective = objectives.secondsFor(cgId);
            if (objective > 0) {
                watches.computeIfAbsent(cgId, id -> new Watch(group.identity().cgLabel(), objective))
                        .update(group.rpoSeconds(), group.shipping().durableSeq(),
                                group.shipping().appliedSeq());
            }
        }
    }

    RpoObjectives objectives() {
        return objectives;
    }

    /** The objective of {@code cgId} in seconds, 0 when none. */
    public double objectiveSeconds(int cgId) {
        return objectives.secondsFor(cgId);
    }

    /** True while group {@code cgId}'s RPO is past its objective, as of the last check. */
    public boolean breached(int cgId) {
        Watch watch = watches.get(cgId);
        return watch != null && watch.breached;
    }

    /** One group's objective, breach state and meters. */
    private final class Watch {
        private final String cg;
        private final double objective;
        private final Counter breaches;
        private volatile boolean breached;

        Watch(String cg, double objective) {
            this.cg = cg;
            this.objective = objective;
            Tags tags = Tags.of("cg", cg);
            Gauge.builder("datamover.source.rpo.objective.seconds", () -> objective).tags(tags).baseUnit("seconds")
                    .description("the RPO objective of the consistency group").register(registry);
            Gauge.builder("datamover.source.rpo.objective.breached", () -> breached ? 1 : 0).tags(tags)
                    .description("1 while the RPO is past its objective").register(registry);
            this.breaches = Counter.builder("datamover.source.rpo.objective.breaches").tags(tags)
                    .description("times the RPO crossed its objective").register(registry);
        }

        void update(double rpoSeconds, long durableSeq, long appliedSeq) {
            boolean over = rpoSeconds > objective;
            if (over && !breached) {
                breaches.increment();
                LOG.warn("cg {}: RPO {} s is past its objective of {} s (durable seq {}, applied seq {})", cg,
                        String.format(Locale.ROOT, "%.1f", rpoSeconds), objective, durableSeq, appliedSeq);
            } else if (!over && breached) {
                LOG.info("cg {}: RPO {} s is back within its objective of {} s (applied seq {})", cg,
                        String.format(Locale.ROOT, "%.1f", rpoSeconds), objective, appliedSeq);
            }
            breached = over;
        }
    }
}
