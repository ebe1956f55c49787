package io.datamover.cli.admin;

import io.datamover.cli.ByteSize;
import io.datamover.gateway.source.ship.RateSchedule;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * The link's rate limit as the operator writes it, on the command line ({@code --max-rate},
 * {@code --max-rate-schedule}, {@code --max-rate-zone}) and in {@code datamover throttle}: a rate is a size per second
 * ({@code 50M} is 50 MiB/s, {@code 0} unlimited).
 */
public final class LinkRates {
    private LinkRates() {}

    /**
     * The schedule of {@code maxRate} (one rate at every hour) or {@code schedule} (rules, see {@link RateSchedule}) in
     * {@code zone} (null: UTC); neither: unlimited.
     *
     * @throws IllegalArgumentException when both are given, or either does not parse
     */
    public static RateSchedule schedule(String maxRate, String schedule, String zone) {
        if (maxRate != null && schedule != null) {
            throw new IllegalArgumentException("give --max-rate or --max-rate-schedule, not both");
        }
        if (maxRate != null) {
            return RateSchedule.constant(rate(maxRate), maxRate.trim());
        }
        if (schedule != null) {
            return RateSchedule.parse(schedule, zone(zone), LinkRates::rate);
        }
        return RateSchedule.UNLIMITED;
    }

    /** Bytes per second of {@code text}, e.g. {@code 20M}. */
    public static long rate(String text) {
        try {
            return ByteSize.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a rate in bytes per second (e.g. 50M, 0: no"
                    + " limit)");
        }
    }

    private static ZoneId zone(String text) {
        if (text == null) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time zone (e.g. UTC, Europe/Paris)");
        }
    }
}
