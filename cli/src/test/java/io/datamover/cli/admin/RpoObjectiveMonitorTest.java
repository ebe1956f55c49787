package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.gateway.source.SourceGroupStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RpoObjectiveMonitorTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<List<SourceGroupStatus>> groups = new AtomicReference<>(List.of());

    @Test
    void crossingTheObjectiveSetsTheFlagAndRecoveringClearsIt() {
        RpoObjectiveMonitor monitor = new RpoObjectiveMonitor(new RpoObjectives(30, Map.of()), groups::get, registry);

        groups.set(List.of(Reports.sourceGroup(1, 12.0, 100, 90)));
        monitor.check();
        assertThat(monitor.breached(1)).isFalse();
        assertThat(gauge("datamover.source.rpo.objective.breached", "1")).isZero();
        assertThat(gauge("datamover.source.rpo.objective.seconds", "1")).isEqualTo(30.0);

        groups.set(List.of(Reports.sourceGroup(1, 31.5, 200, 90)));
        monitor.check();
        monitor.check(); // still over: one breach, not two
        assertThat(monitor.breached(1)).isTrue();
        assertThat(gauge("datamover.source.rpo.objective.breached", "1")).isEqualTo(1.0);
        assertThat(registry.get("datamover.source.rpo.objective.breaches").tag("cg", "1").counter().count())
                .isEqualTo(1.0);

        groups.set(List.of(Reports.sourceGroup(1, 0.2, 200, 200)));
        monitor.check();
        assertThat(monitor.breached(1)).isFalse();
        assertThat(gauge("datamover.source.rpo.objective.breached", "1")).isZero();
    }

    @Test
    void aPerGroupObjectiveOverridesTheDefaultAndZeroMeansNone() {
        RpoObjectiveMonitor monitor = new RpoObjectiveMonitor(new RpoObjectives(0, Map.of(2, 5.0)), groups::get,
                registry);
        groups.set(List.of(Reports.sourceGroup(1, 500.0, 10, 0), Reports.sourceGroup(2, 6.0, 10, 0)));
        monitor.check();

        assertThat(monitor.breached(1)).isFalse();
        assertThat(monitor.objectiveSeconds(1)).isZero();
        assertThat(registry.find("datamover.source.rpo.objective.breached").tag("cg", "1").gauge()).isNull();
        assertThat(monitor.breached(2)).isTrue();
        assertThat(monitor.objectiveSeconds(2)).isEqualTo(5.0);
    }

    private double gauge(String name, String cg) {
        return registry.get(name).tag("cg", cg).gauge().value();
    }
}
