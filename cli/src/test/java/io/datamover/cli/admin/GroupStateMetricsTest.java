package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state-set and queue gauges made from a daemon's status report, as Prometheus scrapes them. */
class GroupStateMetricsTest {
    private final PrometheusMeterRegistry registry = DaemonAdmin.newRegistry();
    private final GroupStateMetrics metrics = new GroupStateMetrics(registry, List.of("UP_TO_DATE", "INCONSISTENT"));

    @Test
    void oneForTheGroupsStateZeroForTheOthersAndTheQueue() {
        metrics.update(report("INCONSISTENT", 100L, 1000L));

        assertThat(registry.scrape()).contains(
                "datamover_target_group_state{cg=\"3\",state=\"INCONSISTENT\"} 1",
                "datamover_target_group_state{cg=\"3\",state=\"UP_TO_DATE\"} 0",
                "datamover_target_queue_bytes{cg=\"3\"} 100",
                "datamover_target_queue_max_bytes{cg=\"3\"} 1000");

        metrics.update(report("UP_TO_DATE", 0L, 1000L));

        assertThat(registry.scrape()).contains("datamover_target_group_state{cg=\"3\",state=\"INCONSISTENT\"} 0",
                "datamover_target_group_state{cg=\"3\",state=\"UP_TO_DATE\"} 1",
                "datamover_target_queue_bytes{cg=\"3\"} 0");
    }

    @Test
    void aStateNotKnownAheadIsAddedAndAGoneGroupRemoved() {
        metrics.update(report("MIXED", null, null));

        assertThat(registry.scrape()).contains("datamover_target_group_state{cg=\"3\",state=\"MIXED\"} 1",
                "datamover_target_queue_bytes{cg=\"3\"} NaN");

        metrics.update(new StatusReport("target-gateway", "t", List.of()));

        assertThat(registry.scrape()).doesNotContain("datamover_target_group_state", "datamover_target_queue");
    }

    @Test
    void namesFollowTheDaemon() {
        assertThat(GroupStateMetrics.prefix("tap")).isEqualTo("datamover.tap");
        assertThat(GroupStateMetrics.prefix("source-gateway")).isEqualTo("datamover.source");
        assertThat(GroupStateMetrics.prefix("target-gateway")).isEqualTo("datamover.target");
    }

    private static StatusReport report(String state, Long queue, Long queueMax) {
        return new StatusReport("target-gateway", "t", List.of(new StatusReport.Group("3", null, "pair-a", state, 5L,
                5L, null, null, 0L, 0L, queue, queueMax, null, null, null, null, false, null, List.of())));
    }
}
