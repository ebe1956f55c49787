package io.datamover.gateway.source;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.DiskSetChange;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import java.util.List;
import java.util.Optional;

/**
 * Who a consistency group is, as its tap declared it at first contact: pair, cg id and name, disks. The
 * gateway keeps it with the journal so that it can ship after a restart before the tap is back, and so that a
 * tap of another pair, or with other disks, is refused instead of mixed into this journal.
 *
 * @param thickReplica the tap asked for thick replicas ({@link Feature#THICK_REPLICA}: its disks are on NFS); the
 *     shipper asks the target in turn. As at first contact, like the rest.
 */
public record CgIdentity(String pairId, int cgId, String cgName, List<DiskInfo> disks, boolean thickReplica) {
    public CgIdentity {
        disks = List.copyOf(disks);
        if (disks.isEmpty()) {
            // Saved by an older build that took a HELLO without disks: its shipper could never be accepted.
            throw new IllegalArgumentException("a consistency group needs at least one disk");
        }
    }

    /** A group whose replicas are as the target gateway is configured (no thick request). */
    public CgIdentity(String pairId, int cgId, String cgName, List<DiskInfo> disks) {
        this(pairId, cgId, cgName, disks, false);
    }

    public static CgIdentity of(Hello hello) {
        return new CgIdentity(hello.pairId(), hello.cgId(), hello.cgName(), hello.disks(),
                Feature.THICK_REPLICA.in(hello.features()));
    }

    /** This group with {@code grown} as its disks (a tap declared them larger, {@link DiskSetChange#grows}). */
    public CgIdentity withDisks(List<DiskInfo> grown) {
        return new CgIdentity(pairId, cgId, cgName, grown, thickReplica);
    }

    /** Whether {@code hello} declares this group's disks with one or more of them larger, nothing else changed. */
    public boolean grownIn(Hello hello) {
        return pairId.equals(hello.pairId()) && DiskSetChange.grows(disks, hello.disks());
    }

    /** Unsigned cg id as operators see it (the wire field is u32). */
    public String cgLabel() {
        return Integer.toUnsignedString(cgId);
    }

    /** The declared disk with this id, or null. */
    public DiskInfo disk(int id) {
        for (DiskInfo d : disks) {
            if (d.id() == id) {
                return d;
            }
        }
        return null;
    }

    /**
     * Refuses a returning tap that is not this group any more: another pair, or other disks. The refusal sent to the
     * tap does not name this group's pair.
     */
    public void requireSameAs(Hello hello) throws ProtocolException {
        if (!pairId.equals(hello.pairId())) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "cg " + cgLabel() + " is held here for another pair "
                    + "than pair '" + hello.pairId() + "' of tap " + hello.senderId(), "cg " + cgLabel()
                    + " belongs to pair " + pairId);
        }
        Optional<String> change = DiskSetChange.describe(disks, hello.disks());
        if (change.isPresent()) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "cg " + cgLabel() + " of tap " + hello.senderId() + ": "
                    + change.get());
        }
    }
}
