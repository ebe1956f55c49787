package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/**
 * The token bucket on simulated time: shippers that always have a batch ready send as the throttle allows, and the
 * bytes it let through are compared with the rate times the simulated time (hours pass in milliseconds).
 */
class LinkThrottleTest {
    private static final long M = 1 << 20;
    private static final Instant MONDAY = Instant.parse("2026-12-07T00:00:00Z");

    /** Sends {@code batchBytes} batches whenever allowed from {@code from} for {@code span}; returns the bytes sent. */
    private static long saturate(LinkThrottle throttle, Instant from, Duration span, long batchBytes) {
        Instant now = from;
        Instant end = from.plus(span);
        long sent = 0;
        while (now.isBefore(end)) {
            long wait = throttle.nanosUntilSend(now);
            if (wait == 0) {
                throttle.sent(batchBytes, now);
                sent += batchBytes;
                wait = 1_000_000; // the next batch is ready a millisecond later
            }
            now = now.plusNanos(wait);
        }
        return sent;
    }

    @Test
    void aSaturatedLinkCarriesTheRateTimesTheTimePlusOneSecondAndOneBatch() {
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(20 * M, "20M"), -1);
        long batch = 8 * M;
        Duration hour = Duration.ofHours(1);
        long sent = saturate(throttle, MONDAY, hour, batch);
        long bound = 20 * M * hour.toSeconds();
        assertThat(sent).isLessThanOrEqualTo(bound + 20 * M + batch);
        assertThat(sent).as("and the limit does not starve the link").isGreaterThanOrEqualTo(bound - batch);
    }

    @Test
    void batchesLargerThanTheBucketStillGoAndRepayTheirDebt() {
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(M, "1M"), -1);
        long sent = saturate(throttle, MONDAY, Duration.ofMinutes(10), 8 * M);
        assertThat(sent).isBetween(600 * M - 8 * M, 600 * M + M + 8 * M);
    }

    @Test
    void unlimitedNeverWaits() {
        LinkThrottle throttle = LinkThrottle.unlimited();
        for (int i = 0; i < 1000; i++) {
            assertThat(throttle.nanosUntilSend(MONDAY)).isZero();
            throttle.sent(64 * M, MONDAY);
        }
        assertThat(throttle.bytesPerSecondAt(MONDAY)).isZero();
    }

    @Test
    void theScheduleChangesTheRateAtItsHoursAndAtRunTime() {
        RateSchedule business = RateSchedule.parse("Mon-Fri 08:00-18:00=2M,*=0", ZoneId.of("UTC"),
                text -> text.equals("0") ? 0 : Long.parseLong(text.replace("M", "")) * M);
        LinkThrottle throttle = new LinkThrottle(business, -1);
        Instant night = MONDAY.plus(Duration.ofHours(2));
        assertThat(saturate(throttle, night, Duration.ofMinutes(10), M)).as("unlimited at night: a batch a ms")
                .isGreaterThan(500_000 * M);
        Instant morning = MONDAY.plus(Duration.ofHours(8));
        long sent = saturate(throttle, morning, Duration.ofHours(2), M);
        assertThat(sent).isBetween(2 * M * 7200 - M, 2 * M * 7200 + 2 * M + M);

        throttle.schedule(RateSchedule.constant(M / 2, "512K"));
        Instant later = morning.plus(Duration.ofHours(2));
        sent = saturate(throttle, later, Duration.ofHours(1), 64 * 1024);
        // The last batch at 2M may have left up to 1M of debt, repaid at the new rate.
        assertThat(sent).as("the new schedule from the call on").isBetween(M / 2 * 3600 - M - 64 * 1024,
                M / 2 * 3600 + 2 * M + 64 * 1024);
    }

    @Test
    void theRpoDrivenModeLiftsTheLimitToItsCeilingAndBack() {
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(M, "1M"), 4 * M);
        assertThat(throttle.bytesPerSecondAt(MONDAY)).isEqualTo(M);
        throttle.lift(true);
        assertThat(throttle.bytesPerSecondAt(MONDAY)).isEqualTo(4 * M);
        long sent = saturate(throttle, MONDAY, Duration.ofMinutes(1), 256 * 1024);
        assertThat(sent).isBetween(4 * M * 60 - 256 * 1024, 4 * M * 61 + 256 * 1024);
        throttle.lift(false);
        assertThat(throttle.bytesPerSecondAt(MONDAY)).isEqualTo(M);
        assertThat(throttle.describe(MONDAY)).contains("max rate 1.0 MiB/s now").contains("RPO-driven up to 4.0 MiB/s");

        LinkThrottle off = new LinkThrottle(RateSchedule.constant(M, "1M"), -1);
        off.lift(true);
        assertThat(off.bytesPerSecondAt(MONDAY)).as("no ceiling: the mode is off").isEqualTo(M);
    }
}
