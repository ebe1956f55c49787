package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The status page's history: a bounded ring per group on an injected clock, and the last errors. */
class StatusHistoryTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    @Test
    void keepsTheLastSamplesOfEachGroupOldestFirst() {
        StatusHistory history = new StatusHistory(clock, 3);
        for (int i = 1; i <= 5; i++) {
            history.record(report(group("1", (double) i, (long) i * 10, null)));
            now.addAndGet(1000);
        }

        assertThat(history.json()).isEqualTo("{\"now\":1005000,\"groups\":[{\"cg\":\"1\",\"samples\":"
                + "[[1002000,3.000,30],[1003000,4.000,40],[1004000,5.000,50]]}],\"errors\":[]}\n");
    }

    @Test
    void anUnknownLagIsNullAndAGoneGroupIsDropped() {
        StatusHistory history = new StatusHistory(clock, 10);
        history.record(report(group("1", null, 7L, null), group("2", 1.0, 0L, null)));
        now.addAndGet(1000);
        history.record(report(group("1", null, null, null)));

        assertThat(history.json()).isEqualTo("{\"now\":1001000,\"groups\":[{\"cg\":\"1\",\"samples\":"
                + "[[1000000,null,7],[1001000,null,null]]}],\"errors\":[]}\n");
    }

    @Test
    void listsAnErrorWhenAGroupsLastErrorChangesToIt() {
        StatusHistory history = new StatusHistory(clock, 10);
        history.record(report(group("1", 0.0, 0L, "target said \"SEQ_GAP\"")));
        now.addAndGet(1000);
        history.record(report(group("1", 0.0, 0L, "target said \"SEQ_GAP\"")));
        history.record(report(group("1", 0.0, 0L, null)));
        now.addAndGet(1000);
        history.record(report(group("1", 0.0, 0L, "target said \"SEQ_GAP\"")));

        assertThat(history.json()).endsWith("\"errors\":[{\"time\":1000000,\"cg\":\"1\",\"error\":"
                + "\"target said \\\"SEQ_GAP\\\"\"},{\"time\":1002000,\"cg\":\"1\",\"error\":"
                + "\"target said \\\"SEQ_GAP\\\"\"}]}\n");
    }

    @Test
    void keepsAtMostTheLastErrors() {
        StatusHistory history = new StatusHistory(clock, 1);
        for (int i = 0; i < StatusHistory.MAX_ERRORS + 5; i++) {
            history.record(report(group("1", 0.0, 0L, "error " + i)));
        }

        String json = history.json();
        assertThat(json).doesNotContain("\"error 4\"").contains("\"error 5\"", "\"error 24\"");
        assertThat(json.split("\"error\":", -1)).hasSize(StatusHistory.MAX_ERRORS + 1);
    }

    @Test
    void refusesAnEmptyRing() {
        assertThatThrownBy(() -> new StatusHistory(clock, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    static StatusReport report(StatusReport.Group... groups) {
        return new StatusReport("source-gateway", "gw-1", List.of(groups));
    }

    static StatusReport.Group group(String cg, Double lagSeconds, Long lagRecords, String lastError) {
        return new StatusReport.Group(cg, "vm" + cg, "pair-a", "STREAMING", 10L, 5L, null, lagSeconds, lagRecords,
                null, 100L, 1000L, null, null, null, null, false, lastError, List.of());
    }
}
