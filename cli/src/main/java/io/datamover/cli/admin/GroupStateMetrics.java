package io.datamover.cli.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The per-group figures of a daemon's {@link StatusReport} as Prometheus gauges, for alerts and dashboards:
 * {@code datamover_<daemon>_group_state{cg,state}} (a state set: 1 for the group's state, 0 for every other state the
 * daemon knows), and the queue it holds for replication, {@code datamover_<daemon>_queue_bytes{cg}} and
 * {@code datamover_<daemon>_queue_max_bytes{cg}} (the tap's window, the source's journal, the target's spool).
 * {@code <daemon>} is {@code tap}, {@code source} or {@code target}. Updated by the admin ticker thread, its only
 * writer; gauges read the latest report.
 */
final class GroupStateMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<String> knownStates;
    private final Map<String, Registered> meters = new HashMap<>();
    private volatile Map<String, StatusReport.Group> latest = Map.of();

    GroupStateMetrics(MeterRegistry registry, List<String> knownStates) {
        this.registry = registry;
        this.knownStates = List.copyOf(knownStates);
    }

    /** The metric name prefix of a daemon: {@code source-gateway} gives {@code datamover.source}. */
    static String prefix(String daemon) {
        return "datamover." + daemon.replace("-gateway", "");
    }

    /** Takes {@code report} as the groups' latest figures; registers new groups' gauges, drops those of gone ones. */
    void update(StatusReport report) {
        Map<String, StatusReport.Group> groups = new HashMap<>();
        report.groups().forEach(g -> groups.put(g.cg(), g));
        latest = Map.copyOf(groups);
        String prefix = prefix(report.daemon());
        for (StatusReport.Group group : report.groups()) {
            Registered registered = meters.get(group.cg());
            if (registered == null) {
                registered = new Registered();
                meters.put(group.cg(), registered);
                registered.add(gauge(prefix + ".queue.bytes", group.cg(), Tags.empty(), g -> orNaN(g.queueBytes()),
                        "bytes held for replication (window, journal or spool)"));
                registered.add(gauge(prefix + ".queue.max.bytes", group.cg(), Tags.empty(),
                        g -> orNaN(g.queueMaxBytes()), "the bound of that queue"));
                for (String state : knownStates) {
                    stateGauge(prefix, group.cg(), state, registered);
                }
            }
            if (!registered.states.contains(group.state())) {
                stateGauge(prefix, group.cg(), group.state(), registered);
            }
        }
        meters.entrySet().removeIf(entry -> {
            boolean gone = !groups.containsKey(entry.getKey());
            if (gone) {
                entry.getValue().meters.forEach(registry::remove);
            }
            return gone;
        });
    }

    /** The gauges registered for one group, and the states they cover. */
    private static final class Registered {
        final List<Meter> meters = new ArrayList<>();
        final Set<String> states = new HashSet<>();

        void add(Meter meter) {
            meters.add(meter);
        }
    }

    private void stateGauge(String prefix, String cg, String state, Registered registered) {
        registered.states.add(state);
        registered.add(gauge(prefix + ".group.state", cg, Tags.of("state", state), g -> state.equals(g.state()) ? 1 : 0,
                "1 for the group's state, 0 for the others"));
    }

    private Meter gauge(String name, String cg, Tags tags, ToDoubleFunction<StatusReport.Group> value,
            String description) {
        return Gauge.builder(name, this, self -> {
            StatusReport.Group group = self.latest.get(cg);
            return group == null ? Double.NaN : value.applyAsDouble(group);
        }).tags(tags.and("cg", cg)).description(description).strongReference(true).register(registry);
    }

    private static double orNaN(Long value) {
        return value == null ? Double.NaN : value;
    }

    @Override
    public void close() {
        meters.values().forEach(group -> group.meters.forEach(registry::remove));
        meters.clear();
    }
}
