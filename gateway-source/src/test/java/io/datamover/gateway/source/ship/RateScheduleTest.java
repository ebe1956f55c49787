package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The schedule's rules over a simulated week, on instants the test chooses (no clock is waited on). */
class RateScheduleTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final long M = 1 << 20;

    private static RateSchedule parse(String text, ZoneId zone) {
        return RateSchedule.parse(text, zone, RateScheduleTest::size);
    }

    /** Sizes as the CLI's ByteSize reads them, for the ones these tests use. */
    private static long size(String text) {
        if (text.endsWith("M")) {
            return Long.parseLong(text.substring(0, text.length() - 1)) * M;
        }
        return Long.parseLong(text);
    }

    @Test
    void businessHoursAreLimitedInTheScheduleZoneAndTheRestIsUnlimited() {
        RateSchedule schedule = parse("Mon-Fri 08:00-18:00=20M,*=0", PARIS);
        // Monday 2026-12-07: Paris is UTC+1 in winter.
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-07T06:59:59Z"))).as("07:59:59 Paris").isZero();
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-07T07:00:00Z"))).as("08:00 Paris")
                .isEqualTo(20 * M);
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-07T16:59:59Z"))).isEqualTo(20 * M);
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-07T17:00:00Z"))).as("18:00 Paris: excluded")
                .isZero();
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-12T10:00:00Z"))).as("Saturday").isZero();
        assertThat(schedule.text()).isEqualTo("Mon-Fri 08:00-18:00=20M,*=0");
    }

    @Test
    void aWholeWeekHourByHourFollowsTheFirstMatchingRule() {
        RateSchedule schedule = parse("Sat-Sun=100M, Mon-Fri 09:00-17:00=5M, Mon-Fri 00:00-06:00=0, *=10M",
                ZoneId.of("UTC"));
        Instant monday = Instant.parse("2026-12-07T00:00:00Z");
        long limitedHours = 0;
        long weekendHours = 0;
        for (int hour = 0; hour < 7 * 24; hour++) {
            long rate = schedule.bytesPerSecondAt(monday.plus(Duration.ofHours(hour)));
            int hourOfDay = hour % 24;
            boolean weekend = hour >= 5 * 24;
            long expected = weekend ? 100 * M : hourOfDay >= 9 && hourOfDay < 17 ? 5 * M
                    : hourOfDay < 6 ? 0 : 10 * M;
            assertThat(rate).as("hour %d of the week", hour).isEqualTo(expected);
            limitedHours += rate == 5 * M ? 1 : 0;
            weekendHours += rate == 100 * M ? 1 : 0;
        }
        assertThat(limitedHours).isEqualTo(5 * 8);
        assertThat(weekendHours).isEqualTo(48);
    }

    @Test
    void aWrappingDayRangeAndTheEndOfTheDay() {
        RateSchedule schedule = parse("Fri-Mon 20:00-24:00=1M", ZoneId.of("UTC"));
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-11T23:59:59Z"))).as("Friday").isEqualTo(M);
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-14T20:00:00Z"))).as("Monday").isEqualTo(M);
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-08T21:00:00Z"))).as("Tuesday: none matches")
                .isZero();
    }

    @Test
    void aConstantRateHoldsAtEveryHour() {
        RateSchedule schedule = RateSchedule.constant(50 * M, "50M");
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-07T03:00:00Z"))).isEqualTo(50 * M);
        assertThat(schedule.bytesPerSecondAt(Instant.parse("2026-12-13T23:59:59Z"))).isEqualTo(50 * M);
    }

    @Test
    void badRulesAreRefusedNamingTheRule() {
        assertThatThrownBy(() -> parse("Mon-Fri 18:00-08:00=1M", PARIS)).hasMessageContaining("'Mon-Fri 18:00-08:00=1M'")
                .hasMessageContaining("never crosses midnight");
        assertThatThrownBy(() -> parse("Mon-Fry=1M", PARIS)).hasMessageContaining("'Fry' is not a day");
        assertThatThrownBy(() -> parse("Mon 8-9=1M", PARIS)).hasMessageContaining("not a time");
        assertThatThrownBy(() -> parse("Mon 08:00", PARIS)).hasMessageContaining("no '=RATE'");
        assertThatThrownBy(() -> parse("*=-5", PARIS)).hasMessageContaining(">= 0");
    }
}
