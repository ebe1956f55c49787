package io.datamover.gateway.target;

import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.function.IntFunction;

/**
 * Fencing where the data is written, at a target gateway of a recovery site's gateway group: one tenure's licence to
 * write a group's replicas. Asked before every batch is spooled or applied; it holds while this gateway still leads
 * the group under the tenure's epoch (which answers from memory and the self-demotion deadline) and while the replica
 * set's directory, which the site's target gateways share, records no higher target epoch (one small file read: a
 * new leader raised it there before it opened the group, so a deposed leader that does not know it yet stops at its
 * next batch).
 */
final class TenureFence {
    /** In the replica set's directory: the highest epoch a target gateway of the site applied under. */
    static final String TARGET_EPOCH_FILE = "target-epoch";

    /** Without coordination: this gateway is the group's only writer. */
    static final TenureFence ALONE = new TenureFence(0, 0, null, cg -> OptionalLong.of(0));

    private final int cgId;
    private final long epoch;
    private final Path epochFile;
    private final IntFunction<OptionalLong> leadingEpoch;

    private TenureFence(int cgId, long epoch, Path epochFile, IntFunction<OptionalLong> leadingEpoch) {
        this.cgId = cgId;
        this.epoch = epoch;
        this.epochFile = epochFile;
        this.leadingEpoch = leadingEpoch;
    }

    /**
     * Begins the tenure under {@code epoch} on the replica set in {@code replicaSetDir}: the epoch is recorded there
     * (durably) before anything of the tenure is written. Refused, nothing changed, when the directory records a
     * higher one (another gateway took the group over since).
     */
    static TenureFence begin(int cgId, long epoch, Path replicaSetDir, IntFunction<OptionalLong> leadingEpoch)
            throws ProtocolException, IOException {
        Path file = replicaSetDir.resolve(TARGET_EPOCH_FILE);
        if (!HighestEpoch.open(file).admit(epoch)) {
            throw deposed(cgId, epoch, HighestEpoch.open(file).highest());
        }
        return new TenureFence(cgId, epoch, file, leadingEpoch);
    }

    /** The tenure's epoch (0 without coordination). */
    long epoch() {
        return epoch;
    }

    /** Whether {@code epoch} is this tenure's. */
    boolean isTenure(OptionalLong epoch) {
        return epoch.isPresent() && epoch.getAsLong() == this.epoch;
    }

    /** Throws NOT_LEADER unless this tenure may still write the group. */
    void check() throws ProtocolException {
        if (epochFile == null) {
            return;
        }
        if (!isTenure(leadingEpoch.apply(cgId))) {
            throw ProtocolException.notLeader("cg " + Integer.toUnsignedString(cgId) + ": this target gateway no"
                    + " longer leads the group under epoch " + epoch + ": it writes nothing more", "");
        }
        long recorded;
        try {
            recorded = HighestEpoch.open(epochFile).highest();
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "cg " + Integer.toUnsignedString(cgId)
                    + ": cannot read the target epoch in " + epochFile + ": " + e.getMessage());
        }
        if (recorded > epoch) {
            throw deposed(cgId, epoch, recorded);
        }
    }

    private static ProtocolException deposed(int cgId, long epoch, long recorded) {
        return ProtocolException.notLeader("cg " + Integer.toUnsignedString(cgId) + ": the replica set records target"
                + " epoch " + recorded + ", above this gateway's epoch " + epoch + ": another target gateway took the"
                + " group over; this one writes nothing more", "");
    }
}
