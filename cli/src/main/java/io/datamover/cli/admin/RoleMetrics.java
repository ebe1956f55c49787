package io.datamover.cli.admin;

import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ReplicationRole;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A gateway's roles as metrics, refreshed at each status tick: {@code datamover_role{cg,role}} is 1 for the group's
 * role at this site and 0 for the other roles (so a change of role is one series going to 0, another to 1), and
 * {@code datamover_operation_in_progress{cg}} is 1 while an operation (a failover, a failback) runs or waits to be rerun. A
 * group's gauges are registered the first time it is seen and read the latest tick's values (a scrape never sees a
 * half-updated set).
 */
final class RoleMetrics {
    /** One group's role and whether an operation is under way. */
    record Row(String cg, ReplicationRole role, boolean operation) {}

    private final MeterRegistry registry;
    private final Map<String, Row> latest = new ConcurrentHashMap<>();

    RoleMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void update(List<Row> groups) {
        for (Row g : groups) {
            if (latest.put(g.cg(), g) == null) {
                register(g.cg());
            }
        }
    }

    private void register(String cg) {
        for (ReplicationRole role : ReplicationRole.values()) {
            Gauge.builder("datamover.role", latest, rows -> rows.get(cg).role() == role ? 1 : 0)
                    .description("1 for the consistency group's role at this site (PRIMARY, SECONDARY, PROMOTED, "
                            + "DIVERGED), 0 for the others")
                    .tags("cg", cg, "role", role.name()).register(registry);
        }
        Gauge.builder("datamover.operation.in.progress", latest, rows -> rows.get(cg).operation() ? 1 : 0)
                .description("1 while an operation (failover, failback) on the consistency group runs or waits to be rerun")
                .tag("cg", cg).register(registry);
    }

    /** A generation id as status shows it: 16 hex digits, null for none. */
    static String generation(long id) {
        return id == GenerationHistory.NO_GENERATION ? null : GenerationHistory.hex(id);
    }
}
