package io.datamover.gateway.target;

import io.datamover.applier.ReplicaMetadata;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationCheck;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;

/**
 * What a source connecting to a group failed over here (PROMOTED) is told (docs/operations.md, "Split brain"). A
 * source that holds writes past the promoted seq, in a history the promoted one split from, wrote after the split as
 * the promoted disks did: a split brain, refused as DIVERGED with both histories and both seqs, so that the source
 * side shows it too and an operator names the side to discard. Any other source (one that came back with nothing
 * past the promoted seq) is refused as INCOMPATIBLE: replication into promoted disks has stopped.
 */
final class PromotedGroupRefusal {
    private PromotedGroupRefusal() {}

    /** The refusal of any source of group {@code cgId}, failed over (or being failed over) here. */
    static ProtocolException replicationStopped(int cgId) {
        return new ProtocolException(ErrorCode.INCOMPATIBLE, "consistency group " + Integer.toUnsignedString(cgId)
                + " was failed over at the target (PROMOTED): replication into it has stopped (docs/operations.md)");
    }

    /** The refusal for {@code hello} against the promoted replicas' stamp {@code promoted}. */
    static ProtocolException of(ReplicaMetadata promoted, Hello hello) {
        String cg = Integer.toUnsignedString(promoted.cgId());
        GenerationCheck.Verdict verdict = GenerationCheck.decide(hello.generations(), hello.lastSeq(),
                promoted.generations(), promoted.appliedSeq());
        if (verdict.outcome() != GenerationCheck.Outcome.DIVERGED || hello.lastSeq() <= promoted.appliedSeq()) {
            return replicationStopped(promoted.cgId());
        }
        return new ProtocolException(ErrorCode.DIVERGED, "consistency group " + cg + ": split brain: the source "
                + hello.senderId() + " holds " + hello.generations() + ", journal at seq " + hello.lastSeq() + ": "
                + (hello.lastSeq() - promoted.appliedSeq()) + " records past seq " + promoted.appliedSeq()
                + ", where this site was failed over (PROMOTED, " + promoted.generations() + ") and wrote on. "
                + "Nothing is applied or shipped until an operator names the side to discard: keep this site's data "
                + "with datamover reverse at both sites; keep the source site's with datamover split-brain resolve "
                + "--cg " + cg + " --discard recovery here, then datamover resync --cg " + cg + " --discard replica "
                + "at the source site (docs/operations.md, \"Split brain\")");
    }
}
