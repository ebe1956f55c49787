package io.datamover.gateway.target;

import io.datamover.applier.ReplicaMetadata;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationCheck;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.SplitBrainRegions;
import java.util.Optional;

/**
 * What a source connecting to a group failed over here (PROMOTED) is told (docs/operations.md, "Split brain"). A
 * source that holds writes past the promoted seq, in a history the promoted one split from, wrote after the split as
 * the promoted disks did: a split brain, refused as DIVERGED with both histories and both seqs, so that the source
 * side shows it too and an operator names the side to discard. Any other source (one that came back with nothing
 * past the promoted seq) is refused as INCOMPATIBLE: replication into promoted disks has stopped. The split brain's
 * refusal carries the regions this site changed since the promote, when known, so that the source site shows them too.
 */
final class PromotedGroupRefusal {
    private PromotedGroupRefusal() {}

    /** The refusal of any source of group {@code cgId}, failed over (or being failed over) here. */
    static ProtocolException replicationStopped(int cgId) {
        return new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + Integer.toUnsignedString(cgId)
                + " was failed over at the target (PROMOTED): replication into it has stopped (docs/operations.md)");
    }

    /** Whether {@code hello}'s source wrote past the promoted seq in a history the promoted one split from. */
    static boolean isSplitBrain(ReplicaMetadata promoted, Hello hello) {
        GenerationCheck.Verdict verdict = GenerationCheck.decide(hello.generations(), hello.lastSeq(),
                promoted.generations(), promoted.appliedSeq());
        return verdict.outcome() == GenerationCheck.Outcome.DIVERGED && hello.lastSeq() > promoted.appliedSeq();
    }

    /**
     * The refusal for {@code hello} against the promoted replicas' stamp {@code promoted}; {@code changedHere}: the
     * regions this site changed since the promote, when known.
     */
    static ProtocolException of(ReplicaMetadata promoted, Hello hello, Optional<SplitBrainRegions> changedHere) {
        String cg = Integer.toUnsignedString(promoted.cgId());
        if (!isSplitBrain(promoted, hello)) {
            return replicationStopped(promoted.cgId());
        }
        return new ProtocolException(ErrorCode.DIVERGED, "consistency group " + cg + ": split brain: the source "
                + hello.senderId() + " holds " + hello.generations() + ", journal at seq " + hello.lastSeq() + ": "
                + SplitBrainRegions.promotedSeqFragment(hello.lastSeq() - promoted.appliedSeq(), promoted.appliedSeq())
                + " (PROMOTED, " + promoted.generations() + ") and wrote on"
                + changedHere.map(r -> ": " + r.asRecoverySite() + " since the promote").orElse("") + ". "
                + "Nothing is applied or shipped until an operator names the side to discard: keep this site's data "
                + "with datamover reverse at both sites; keep the source site's with datamover split-brain resolve "
                + "--cg " + cg + " --discard recovery here, then datamover resync --cg " + cg + " --discard replica "
                + "at the source site (docs/operations.md, \"Split brain\")");
    }
}
