package io.datamover.gateway.target;

import io.datamover.applier.ReplicaSet;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationCheck;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for one consistency group, whether a source's history and the replicas' agree (docs/protocol.md,
 * "Generations"): the replicas take the source's history when the table says so, durably, before the source is
 * answered; a DIVERGED or UNRELATED source is refused, logged with both sides' generations and seqs, and shown in
 * status and {@code datamover_pair_diverged} until a source is accepted. Runs on the group's spool writer.
 */
final class GenerationGate {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationGate.class);

    /** What an accepted source is answered with. */
    record Admitted(GenerationCheck.Outcome outcome, long resumeSeq, GenerationHistory generations) {}

    private final String cg;
    private final ReplicaSet replicas;
    /** Why the latest source was refused; null when the latest one was accepted (or none came yet). */
    private volatile String refusal;

    GenerationGate(int cgId, ReplicaSet replicas) {
        this.cg = Integer.toUnsignedString(cgId);
        this.replicas = replicas;
    }

    /**
     * The decision for {@code hello} against the replicas holding up to {@code heldSeq}; throws the refusal to send.
     * An ADOPT outcome has the replicas' stamp take the source's history before it returns (DISCARD_REPLICA and
     * TAKEOVER: the discard does).
     *
     * @param takingOver the HELLO's epoch is above any admitted before: a new leader of the source site's gateway group
     */
    Admitted admit(Hello hello, long heldSeq, boolean takingOver) throws ProtocolException {
        GenerationHistory ours = replicas.generations();
        GenerationCheck.Verdict verdict = takingOver
                ? GenerationCheck.decideTakingOver(hello.generations(), hello.lastSeq(), ours, heldSeq)
                : GenerationCheck.decide(hello.generations(), hello.lastSeq(), ours, heldSeq);
        if (!verdict.accepted()) {
            String message = "consistency group " + cg + " refused as " + verdict.outcome() + ": " + verdict.reason()
                    + "; source " + hello.senderId() + ": " + hello.generations() + ", journal at seq "
                    + hello.lastSeq() + "; replicas: " + ours + ", holding seq " + heldSeq + ". Nothing is applied "
                    + "until an operator resolves it (datamover resync --cg " + cg + " --discard replica)";
            refusal = verdict.outcome() + ": " + verdict.reason();
            LOG.error("cg {}: {}", cg, message);
            throw new ProtocolException(verdict.outcome().errorCode(), message);
        }
        // A takeover's history is written by its discard, in the same stamp as seq 0: taken here first, a crash before
        // the discard would leave the new history beside the old leader's seq, and the rerun could resume after it.
        if (verdict.outcome() != GenerationCheck.Outcome.RESUME && verdict.outcome() != GenerationCheck.Outcome.TAKEOVER) {
            try {
                replicas.adoptGenerations(hello.generations());
            } catch (IOException e) {
                throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "consistency group " + cg
                        + ": cannot record the source's generation: " + e.getMessage());
            }
            LOG.info("cg {}: {} ({}): the replicas, holding seq {}, take the source's {}", cg, verdict.outcome(),
                    verdict.reason(), heldSeq, hello.generations());
        }
        refusal = null;
        return new Admitted(verdict.outcome(), verdict.resumeSeq(), hello.generations());
    }

    /** Why the latest source was refused as DIVERGED or UNRELATED; null when it was not. */
    String refusal() {
        return refusal;
    }
}
