package io.datamover.cli.admin;

import java.util.List;

/**
 * What a daemon's {@code GET /status} reports: one entry per consistency group, one line per disk. A field a daemon
 * cannot know is null (the target does not know the tap-time age of the oldest write, the source gateway does not
 * know the replica disks' states), and renders as "-" or JSON null.
 *
 * @param daemon {@code tap}, {@code source-gateway} or {@code target-gateway}
 * @param id the daemon's identity in handshakes
 * @param transport how the daemon's connections are secured; null when not reported
 * @param link the rate limit of the link to the target (source gateway only); null when not reported
 * @param coordination the gateway's membership of its site's gateway group; null without {@code --coordination}
 */
public record StatusReport(String daemon, String id, List<Group> groups, Transport transport, Link link,
        Coordination coordination) {
    public StatusReport {
        groups = List.copyOf(groups);
    }

    public StatusReport(String daemon, String id, List<Group> groups, Transport transport, Link link) {
        this(daemon, id, groups, transport, link, null);
    }

    public StatusReport(String daemon, String id, List<Group> groups) {
        this(daemon, id, groups, null, null);
    }

    public StatusReport(String daemon, String id, List<Group> groups, Transport transport) {
        this(daemon, id, groups, transport, null);
    }

    public StatusReport withTransport(Transport value) {
        return new StatusReport(daemon, id, groups, value, link, coordination);
    }

    public StatusReport withLink(Link value) {
        return new StatusReport(daemon, id, groups, transport, value, coordination);
    }

    public StatusReport withCoordination(Coordination value) {
        return new StatusReport(daemon, id, groups, transport, link, value);
    }

    /**
     * The gateway's membership of its site's gateway group on ZooKeeper (docs/coordination.md).
     *
     * @param mode {@code embedded} (not highly available) or {@code zookeeper}
     * @param site the site whose gateways form the group
     * @param session the ZooKeeper session's state as last reported: CONNECTED, SUSPENDED, RECONNECTED, LOST
     */
    public record Coordination(String mode, String site, String session) {}

    /**
     * A consistency group's leadership in the site's gateway group, as this gateway sees it.
     *
     * @param role this gateway's: LEADING, STANDBY, DEMOTED (cut off from ZooKeeper: stopped on its own) or CLOSED
     *     (not contending: the site's assigner gave the group to another gateway)
     * @param epoch the epoch of this gateway's latest tenure of the group (0 before any)
     * @param leader the gateway leading the group, as its leader node in ZooKeeper says; null when none or not known
     * @param leaderAddress where that gateway takes the group's taps; null when it did not publish one
     * @param leaderEpoch the epoch the leader leads under (0 when not known)
     * @param standbys the other live gateways of the site contending for the group
     * @param takeovers the tenures of the group this gateway began since it started
     * @param lastTakeoverSeconds how long its latest takeover took, from the previous leader's latch node gone from
     *     ZooKeeper (session expired, or it withdrew) to leading; null before any
     * @param lastWaitSeconds how long its latest tenure waited for the lock from contending (or its previous tenure's
     *     end); null before any
     */
    public record Leadership(String role, long epoch, String leader, String leaderAddress, long leaderEpoch,
            List<String> standbys, long takeovers, Double lastTakeoverSeconds, Double lastWaitSeconds) {
        public Leadership {
            standbys = List.copyOf(standbys);
        }
    }

    /**
     * The source gateway's link to the target: its rate limit.
     *
     * @param maxRateBytesPerSecond the limit in force now, wire bytes per second; 0: unlimited
     * @param schedule the schedule and its zone
     * @param rpoLifted the RPO-driven mode lifted the limit to its ceiling; null when that mode is off
     * @param description all of it in one line for people
     */
    public record Link(long maxRateBytesPerSecond, String schedule, Boolean rpoLifted, String description) {}

    /**
     * The daemon's transport security.
     *
     * @param mode {@code TLS} or {@code INSECURE-PLAINTEXT}
     * @param provider {@code jdk} or {@code openssl}; null without TLS
     * @param subject the subject of the daemon's certificate in use
     * @param serial its serial number, hexadecimal
     * @param notAfter when it ends, ISO-8601
     * @param expirySeconds seconds until then (negative once past)
     */
    public record Transport(String mode, String provider, String subject, String serial, String notAfter,
            Double expirySeconds) {}

    /**
     * One consistency group.
     *
     * @param cg the cg id, unsigned decimal
     * @param state the group's replication state as this daemon can tell it (docs/pipeline.md, "Status")
     * @param lastSeq highest seq this daemon holds: ordered (tap), durable in the journal (source), held (target)
     * @param appliedSeq highest seq applied on the replicas, as far as this daemon knows
 * @param consistentSeq the seq of the last consistent image the replicas hold or can be rolled back to (during a
 *     resync, the image kept by the target's undo log); null when unknown here or when none exists (initial sync)
     * @param lagSeconds age of the oldest write acknowledged to the guest that the replica does not hold yet (tap: its
 *     share, the oldest write not yet durable at the source gateway; null in bitmap mode)
     * @param lagRecords records past {@code appliedSeq} (tap: not yet durable at the source gateway)
     * @param lagBytes bytes of those records
     * @param queueBytes bytes held for replication here: the tap's window, the journal, the target's spool
     * @param queueMaxBytes the bound of that queue, when there is one
     * @param recordsPerSecond records in per second, over the last few seconds
     * @param bytesPerSecond bytes out (source: shipped, before compression) or in (target) per second
     * @param compressionRatio bytes before compression over bytes sent
     * @param rpoObjectiveSeconds the RPO objective of the group; null when it has none
     * @param rpoBreached {@code lagSeconds} is past the objective
     * @param lastError the latest error of the group, or null
     * @param role what this site is for the group ({@code io.datamover.protocol.ReplicationRole}: PRIMARY,
     *     SECONDARY, PROMOTED, DIVERGED); null for a tap, which does not know
     * @param generation the group's current generation id here, 16 hex digits; null when none or not known
     * @param operation the operation in progress with its step (a failover), or null when none
     * @param leadership the group's leadership in the site's gateway group; null without {@code --coordination}
     */
    public record Group(String cg, String name, String pair, String state, Long lastSeq, Long appliedSeq,
            Long consistentSeq, Double lagSeconds, Long lagRecords, Long lagBytes, Long queueBytes, Long queueMaxBytes,
            Double recordsPerSecond, Double bytesPerSecond, Double compressionRatio, Double rpoObjectiveSeconds,
            boolean rpoBreached, String lastError, List<Disk> disks, String role, String generation,
            String operation, Leadership leadership) {
        public Group {
            disks = List.copyOf(disks);
        }

        /** A group without leadership (no coordination). */
        public Group(String cg, String name, String pair, String state, Long lastSeq, Long appliedSeq,
                Long consistentSeq, Double lagSeconds, Long lagRecords, Long lagBytes, Long queueBytes,
                Long queueMaxBytes, Double recordsPerSecond, Double bytesPerSecond, Double compressionRatio,
                Double rpoObjectiveSeconds, boolean rpoBreached, String lastError, List<Disk> disks, String role,
                String generation, String operation) {
            this(cg, name, pair, state, lastSeq, appliedSeq, consistentSeq, lagSeconds, lagRecords, lagBytes,
                    queueBytes, queueMaxBytes, recordsPerSecond, bytesPerSecond, compressionRatio, rpoObjectiveSeconds,
                    rpoBreached, lastError, disks, role, generation, operation, null);
        }

        /** A group whose role, generation and operation this daemon does not report (a tap). */
        public Group(String cg, String name, String pair, String state, Long lastSeq, Long appliedSeq,
                Long consistentSeq, Double lagSeconds, Long lagRecords, Long lagBytes, Long queueBytes,
                Long queueMaxBytes, Double recordsPerSecond, Double bytesPerSecond, Double compressionRatio,
                Double rpoObjectiveSeconds, boolean rpoBreached, String lastError, List<Disk> disks) {
            this(cg, name, pair, state, lastSeq, appliedSeq, consistentSeq, lagSeconds, lagRecords, lagBytes,
                    queueBytes, queueMaxBytes, recordsPerSecond, bytesPerSecond, compressionRatio, rpoObjectiveSeconds,
                    rpoBreached, lastError, disks, null, null, null);
        }

        /** This group with the site's role, generation and operation in progress. */
        public Group withRole(String siteRole, String generationId, String operationInProgress) {
            return new Group(cg, name, pair, state, lastSeq, appliedSeq, consistentSeq, lagSeconds, lagRecords,
                    lagBytes, queueBytes, queueMaxBytes, recordsPerSecond, bytesPerSecond, compressionRatio,
                    rpoObjectiveSeconds, rpoBreached, lastError, disks, siteRole, generationId, operationInProgress,
                    leadership);
        }

        /** This group with its leadership in the site's gateway group. */
        public Group withLeadership(Leadership value) {
            return new Group(cg, name, pair, state, lastSeq, appliedSeq, consistentSeq, lagSeconds, lagRecords,
                    lagBytes, queueBytes, queueMaxBytes, recordsPerSecond, bytesPerSecond, compressionRatio,
                    rpoObjectiveSeconds, rpoBreached, lastError, disks, role, generation, operation, value);
        }
    }

    /** One disk of a group and its replication state as this daemon can tell it; the size when known. */
    public record Disk(String name, Long sizeBytes, String state) {}
}
