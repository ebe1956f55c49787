package io.datamover.coordination;

import java.time.Duration;

/**
 * The leader's self-demotion deadline, as Patroni demotes before its leader key can expire: a tenure may act only
 * within the fencing window after the start of the latest request that ZooKeeper answered in the tenure's session.
 * The ensemble received that request after it started, so it cannot expire the session (and let another gateway take
 * the lock) before that start plus the session timeout, which is longer than the window. A leader that is paused or
 * cut off thus stops by itself, checked at every use with {@link #allows}, with no message from anyone.
 *
 * <p>Written by the coordinator's owner thread only; read by any thread.
 */
final class ContactFence {
    private record Contact(long sessionId, long startedNanos) {}

    private final MonotonicClock clock;
    private final long windowNanos;
    private volatile Contact latest = new Contact(0, 0);

    ContactFence(MonotonicClock clock, Duration window) {
        this.clock = clock;
        this.windowNanos = window.toNanos();
    }

    /** ZooKeeper answered, in session {@code sessionId}, a request started at {@code startedNanos}. */
    void confirmed(long sessionId, long startedNanos) {
        Contact now = latest;
        if (sessionId != now.sessionId() || startedNanos - now.startedNanos() > 0) {
            latest = new Contact(sessionId, startedNanos);
        }
    }

    /** Whether {@code leadership} may act now: LEADING, and its session confirmed within the window. */
    boolean allows(Leadership leadership) {
        Contact contact = latest;
        return leadership.role() == LeadershipRole.LEADING
                && leadership.sessionId() != 0
                && contact.sessionId() == leadership.sessionId()
                && clock.nanos() - contact.startedNanos() < windowNanos;
    }
}
