package io.datamover.coordination;

import java.time.Duration;
import java.util.List;

/**
 * A consistency group's leadership in its site's gateway group as one gateway sees it, for status and metrics.
 *
 * @param role this gateway's role for the group (CLOSED: it does not contend, scale-out gave the group to another)
 * @param epoch the epoch of this gateway's latest tenure of the group (0 before any)
 * @param leader the gateway the group's leader node names, or null when none is published or ZooKeeper did not answer
 * @param leaderAddress where that leader takes the group's peers (HOST:PORT), or null when it did not say
 * @param leaderEpoch the epoch the leader node names (0 without one)
 * @param standbys the other live gateways of the site contending for the group (its latch's participants but the
 *     leader), sorted; empty when not known here
 * @param tenures how many tenures of the group this gateway began since it started: its takeovers
 * @param lastTakeover how long its latest takeover took, from the lock coming to it (the previous leader's latch node
 *     gone from ZooKeeper: its session expired, or it withdrew) to leading under the raised epoch
 * @param lastWait how long its latest tenure waited for the lock, from contending (or its previous tenure's end)
 */
public record GroupLeadershipStatus(LeadershipRole role, long epoch, String leader, String leaderAddress,
        long leaderEpoch, List<String> standbys, long tenures, Duration lastTakeover, Duration lastWait) {
    public GroupLeadershipStatus {
        standbys = List.copyOf(standbys);
    }
}
