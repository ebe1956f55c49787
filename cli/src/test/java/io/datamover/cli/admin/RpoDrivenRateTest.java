package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.gateway.source.ship.LinkThrottle;
import io.datamover.gateway.source.ship.RateSchedule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RpoDrivenRateTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final long M = 1 << 20;

    @Test
    void liftsPastHalfTheObjectiveAndLowersUnderAQuarter() {
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(M, "1M"), 8 * M);
        RpoDrivenRate rate = new RpoDrivenRate(new RpoObjectives(30, Map.of(2, 0.0)), throttle);

        rate.update(List.of(Reports.sourceGroup(1, 14.9, 100, 90), Reports.sourceGroup(2, 500, 100, 0)));
        assertThat(throttle.bytesPerSecondAt(NOW)).as("under half; cg 2 has no objective").isEqualTo(M);

        rate.update(List.of(Reports.sourceGroup(1, 15.1, 100, 90)));
        assertThat(throttle.lifted()).isTrue();
        assertThat(throttle.bytesPerSecondAt(NOW)).isEqualTo(8 * M);

        rate.update(List.of(Reports.sourceGroup(1, 10, 100, 90)));
        assertThat(throttle.lifted()).as("between a quarter and a half: kept, no flapping").isTrue();

        rate.update(List.of(Reports.sourceGroup(1, 7, 100, 95)));
        assertThat(throttle.lifted()).isFalse();
        assertThat(throttle.bytesPerSecondAt(NOW)).isEqualTo(M);
    }

    @Test
    void withoutACeilingTheModeIsOff() {
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(M, "1M"), -1);
        new RpoDrivenRate(new RpoObjectives(30, Map.of()), throttle).update(List.of(Reports.sourceGroup(1, 29, 10,
                0)));
        assertThat(throttle.lifted()).isFalse();
        assertThat(throttle.bytesPerSecondAt(NOW)).isEqualTo(M);
    }
}
