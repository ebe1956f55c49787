package io.datamover.coordination;

/**
 * One gateway's leadership of one consistency group, immutable; {@link #next} is its only transition function.
 *
 * @param role where the gateway stands
 * @param epoch the epoch of the latest tenure this gateway won (0 before any); kept through STANDBY for status
 * @param sessionId the ZooKeeper session under which that tenure was won: only contact in this session keeps it
 */
public record Leadership(LeadershipRole role, long epoch, long sessionId) {
    public static final Leadership INITIAL = new Leadership(LeadershipRole.STANDBY, 0, 0);

    /** What changes a gateway's leadership of a group. */
    public sealed interface Event {
        /** The group's lock was taken and the epoch raised to {@code epoch} under session {@code sessionId}. */
        record Elected(long epoch, long sessionId) implements Event {}

        /** The lock is no longer held (session lost, latch reset). */
        record LockLost() implements Event {}

        /** No confirmed contact with ZooKeeper within the fencing window. */
        record FenceExpired() implements Event {}

        /** The gateway stops contending. */
        record Closed() implements Event {}
    }

    public Leadership next(Event event) {
        if (role == LeadershipRole.CLOSED) {
            return this;
        }
        return switch (event) {
            case Event.Elected elected -> {
                if (role == LeadershipRole.LEADING) {
                    throw new IllegalStateException("elected while already leading under epoch " + epoch);
                }
                if (elected.epoch() <= epoch) {
                    throw new IllegalStateException("epoch " + elected.epoch() + " does not rise above " + epoch);
                }
                yield new Leadership(LeadershipRole.LEADING, elected.epoch(), elected.sessionId());
            }
            case Event.LockLost _ -> new Leadership(LeadershipRole.STANDBY, epoch, 0);
            case Event.FenceExpired _ ->
                role == LeadershipRole.LEADING ? new Leadership(LeadershipRole.DEMOTED, epoch, sessionId) : this;
            case Event.Closed _ -> new Leadership(LeadershipRole.CLOSED, epoch, 0);
        };
    }
}
