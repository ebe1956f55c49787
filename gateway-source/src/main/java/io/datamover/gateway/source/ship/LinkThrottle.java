package io.datamover.gateway.source.ship;

import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limit of the link to the target gateway, shared by every group's shipper of a source gateway: a token
 * bucket of wire bytes refilled at the rate its {@link RateSchedule} gives at the time of the call, holding at most
 * one second of that rate. A shipper sends a batch only while the bucket is not in debt, then takes the batch's
 * frame bytes from it (going into debt for a batch larger than the bucket), so over any span of T seconds at a rate R
 * the link carries at most {@code R * T} plus one second of R plus one batch per shipper. The shipper waits before
 * a batch is written, never after: what waits for an ack is on the wire already, so a slow limit never looks like a
 * stuck target to the ack timeout, and heartbeats (sent by the event loop, not counted) keep flowing.
 *
 * <p>The schedule can be replaced at run time ({@code datamover throttle}); the RPO-driven mode can lift the limit to
 * a ceiling while a group's RPO nears its objective ({@link #lift}). Thread-safe; the time of every call is the
 * caller's clock, so tests drive it with theirs.
 */
public final class LinkThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(LinkThrottle.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private volatile RateSchedule schedule;
    /** The RPO-driven mode's ceiling, bytes per second (0: unlimited); -1 when that mode is off. */
    private final long liftCeiling;
    private volatile boolean lifted;
    // Guarded by this.
    private long lastRate;
    private double tokens;
    private long lastRefillNanos;

    /**
     * @param schedule the limit at each hour ({@link RateSchedule#UNLIMITED} for none)
     * @param liftCeiling the rate, bytes per second, the RPO-driven mode lifts the limit to (0: unlimited), or -1
     *     when that mode is off
     */
    public LinkThrottle(RateSchedule schedule, long liftCeiling) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        if (liftCeiling < -1) {
            throw new IllegalArgumentException("the RPO-driven ceiling is >= 0 bytes per second (or -1: off)");
        }
        this.liftCeiling = liftCeiling;
    }

    /** No limit, no RPO-driven mode. */
    public static LinkThrottle unlimited() {
        return new LinkThrottle(RateSchedule.UNLIMITED, -1);
    }

    /** Replaces the schedule from now on; what the bucket holds is kept (up to one second of the new rate). */
    public void schedule(RateSchedule value) {
        schedule = Objects.requireNonNull(value, "schedule");
        LOG.info("link rate limit: schedule {}", value);
    }

    public RateSchedule schedule() {
        return schedule;
    }

    /** True when the RPO-driven mode is on (a ceiling was given). */
    public boolean rpoDriven() {
        return liftCeiling >= 0;
    }

    /** The RPO-driven mode's ceiling, bytes per second (0: unlimited), or -1 when that mode is off. */
    public long liftCeiling() {
        return liftCeiling;
    }

    /** The RPO-driven mode lifts the schedule's limit to its ceiling ({@code true}) or gives it back; no-op when off. */
    public void lift(boolean value) {
        if (rpoDriven() && lifted != value) {
            lifted = value;
            LOG.info(value ? "link rate limit lifted to {} while an RPO nears its objective"
                    : "link rate limit back to the schedule ({} lift ended): every RPO is well within its objective",
                    RateSchedule.describe(liftCeiling));
        }
    }

    public boolean lifted() {
        return lifted;
    }

    /** The limit in force at {@code now}, bytes per second; 0 means unlimited. */
    public long bytesPerSecondAt(Instant now) {
        long scheduled = schedule.bytesPerSecondAt(now);
        if (!lifted || scheduled == 0) {
            return scheduled;
        }
        return liftCeiling == 0 ? 0 : Math.max(scheduled, liftCeiling);
    }

    /** Nanoseconds to wait at {@code now} before the next batch may be written: 0 when it may go now. */
    public synchronized long nanosUntilSend(Instant now) {
        long rate = refill(now);
        if (rate == 0 || tokens >= 0) {
            return 0;
        }
        return Math.max(1, (long) Math.ceil(-tokens * NANOS_PER_SECOND / rate));
    }

    /** A batch of {@code wireBytes} was written at {@code now}. */
    public synchronized void sent(long wireBytes, Instant now) {
        if (refill(now) > 0) {
            tokens -= wireBytes;
        }
    }

    /** Brings the bucket to {@code now} at the rate in force; returns that rate (0: unlimited, the bucket full). */
    private long refill(Instant now) {
        long rate = bytesPerSecondAt(now);
        long nowNanos = now.getEpochSecond() * NANOS_PER_SECOND + now.getNano();
        if (rate == 0) {
            lastRate = 0;
            return 0;
        }
        if (lastRate == 0) {
            tokens = rate; // a limit starts with a full bucket: one second of it
        } else if (nowNanos > lastRefillNanos) {
            tokens += (double) (nowNanos - lastRefillNanos) * rate / NANOS_PER_SECOND;
        }
        tokens = Math.min(tokens, rate);
        lastRefillNanos = Math.max(lastRefillNanos, nowNanos);
        lastRate = rate;
        return rate;
    }

    /** For status: the schedule, the limit now and whether the RPO-driven mode lifted it. */
    public String describe(Instant now) {
        String text = "max rate " + RateSchedule.describe(bytesPerSecondAt(now)) + " now, schedule " + schedule;
        if (rpoDriven()) {
            text += lifted ? ", lifted to " + RateSchedule.describe(liftCeiling) + " (RPO-driven)"
                    : ", RPO-driven up to " + RateSchedule.describe(liftCeiling);
        }
        return text;
    }
}
