package io.datamover.cli.admin;

import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ReplicationRole;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway's roles as metrics, refreshed at each status tick: {@code datamover_role{cg,role}} is 1 for the group's
 * role at this site and 0 for the other roles (so a change of role is one series going to 0, another to 1), and
 * {@code datamover_operation_in_progress{cg}} is 1 while an operation (a failover) runs or waits to be rerun.
 */
final class RoleMetrics {
    /** One group's role and whether an operation is under way. */
    record Row(String cg, ReplicationRole role, boolean operation) {}

    private final MultiGauge roles;
    private final MultiGauge operations;

    RoleMetrics(MeterRegistry registry) {
        roles = MultiGauge.builder("datamover.role")
                .description("1 for the consistency group's role at this site (PRIMARY, SECONDARY, PROMOTED, "
                        + "DIVERGED), 0 for the others").register(registry);
        operations = MultiGauge.builder("datamover.operation.in.progress")
                .description("1 while an operation (failover) on the consistency group runs or waits to be rerun")
                .register(registry);
    }

    void update(List<Row> groups) {
        List<MultiGauge.Row<?>> roleRows = new ArrayList<>();
        List<MultiGauge.Row<?>> operationRows = new ArrayList<>();
        for (Row g : groups) {
            for (ReplicationRole role : ReplicationRole.values()) {
                roleRows.add(MultiGauge.Row.of(Tags.of("cg", g.cg(), "role", role.name()), role == g.role() ? 1 : 0));
            }
            operationRows.add(MultiGauge.Row.of(Tags.of("cg", g.cg()), g.operation() ? 1 : 0));
        }
        roles.register(roleRows, true);
        operations.register(operationRows, true);
    }

    /** A generation id as status shows it: 16 hex digits, null for none. */
    static String generation(long id) {
        return id == GenerationHistory.NO_GENERATION ? null : GenerationHistory.hex(id);
    }
}
