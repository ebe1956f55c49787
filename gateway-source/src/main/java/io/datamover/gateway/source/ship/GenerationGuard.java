package io.datamover.gateway.source.ship;

import io.datamover.gateway.source.GenerationLog;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationCheck;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source's side of generations for one consistency group (docs/protocol.md, "Generations"): puts the group's
 * history and the journal's highest seq in each HELLO, checks the target's HELLO_ACK with the same table the target
 * used (a target that claims more than the journal holds is refused), and keeps a refusal as DIVERGED or UNRELATED
 * for status and {@code datamover_pair_diverged} until the target accepts again.
 *
 * <p>A refusal as DIVERGED also ends the current generation at the seq the HELLO carried, once per generation the
 * target had accepted: the journal, still taking the tap's writes, would otherwise grow past the target's seq in the
 * same generation and the table would resume it over writes the source never held. The file is written by the
 * shipper's thread ({@link #endGenerationIfDue}), never on the event loop.
 */
public final class GenerationGuard {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationGuard.class);
    private static final long NONE_DUE = -1;

    private final GenerationLog log;
    private final String cg;
    /** Why the target's history was refused, or the target refused ours; null once a handshake is accepted. */
    private volatile String refusal;
    /** The target accepted the current generation at least once: a later divergence must end it. */
    private volatile boolean currentAccepted;
    /** The seq the current generation is to end at, on the shipper's thread; {@link #NONE_DUE} when none. */
    private volatile long endDueAt = NONE_DUE;
    /** The epoch of the latest tenure that began a generation (0: none; a gateway without coordination). */
    private long tenureEpoch;

    GenerationGuard(GenerationLog log, String cgLabel) {
        this.log = log;
        this.cg = cgLabel;
    }

    /** {@code template} with the group's history and {@code journalSeq}, for one connection. */
    Hello hello(Hello template, long journalSeq) {
        return template.withGenerations(log.history(), journalSeq);
    }

    /**
     * Checks the target's answer to {@code sent}; returns the seq to resume after, or throws the refusal (DIVERGED
     * or UNRELATED) to send it. Event loop.
     */
    long accept(Hello sent, HelloAck ack) throws ProtocolException {
        GenerationCheck.Verdict verdict = GenerationCheck.decide(sent.generations(), sent.lastSeq(),
                ack.generations(), ack.resumeSeq());
        if (verdict.outcome() == GenerationCheck.Outcome.RESUME) {
            refusal = null;
            currentAccepted = sent.generations().current() == log.history().current();
            return verdict.resumeSeq();
        }
        // An accepting target answers with the source's history (it adopted it): anything else is refused too.
        GenerationCheck.Outcome outcome = verdict.accepted() ? GenerationCheck.Outcome.DIVERGED : verdict.outcome();
        String reason = verdict.accepted() ? "the target answered with a history it did not take from the source"
                : verdict.reason();
        String message = "consistency group " + cg + ": the target's answer refused as " + outcome + ": " + reason
                + "; source: " + sent.generations() + ", journal at seq " + sent.lastSeq() + "; target "
                + ack.receiverId() + ": " + ack.generations() + ", holding seq " + ack.resumeSeq();
        refused(outcome.errorCode(), sent, message);
        throw new ProtocolException(outcome.errorCode(), message);
    }

    /** The target refused {@code sent} with {@code code}; only DIVERGED and UNRELATED concern generations. */
    void refusedByTarget(ErrorCode code, Hello sent, String message) {
        if (code == ErrorCode.DIVERGED || code == ErrorCode.UNRELATED) {
            refused(code, sent, "consistency group " + cg + ": the target refused " + sent.generations()
                    + ", journal at seq " + sent.lastSeq() + ": " + message);
        }
    }

    private void refused(ErrorCode code, Hello sent, String message) {
        refusal = code + ": " + message;
        LOG.error("cg {}: refused as {}; nothing is shipped until an operator resolves it (datamover resync --cg {} "
                + "--discard replica); the journal keeps taking the tap's writes: {}", cg, code, cg, message);
        if (code == ErrorCode.DIVERGED && currentAccepted && sent.generations().current() == log.history().current()) {
            currentAccepted = false;
            endDueAt = sent.lastSeq();
        }
    }

    /**
     * Starts a generation at {@code journalSeq} once per tenure of this gateway as the group's leader ({@code epoch}
     * above any begun before), before the tenure's first HELLO to the target and before its tap is answered, so every
     * record of the tenure is after the generation's start. A target that takes the group over from another gateway
     * resumes after that start (docs/coordination.md): what the journal holds from an earlier tenure is never shipped
     * over a replica that moved on. Durable before it returns; a gateway without coordination (epoch 0) starts none.
     */
    synchronized void beginTenure(long epoch, long journalSeq) throws IOException {
        if (epoch <= tenureEpoch) {
            return;
        }
        log.startNext(journalSeq, false);
        tenureEpoch = epoch;
        endDueAt = NONE_DUE; // the new generation ends the current one already
        LOG.info("cg {}: a tenure under epoch {} begins a generation after seq {}", cg, epoch, journalSeq);
    }

    /** On the shipper's thread: ends the current generation if a refusal asked for it. */
    synchronized void endGenerationIfDue() {
        long endSeq = endDueAt;
        if (endSeq == NONE_DUE) {
            return;
        }
        try {
            log.startNext(endSeq, false);
            endDueAt = NONE_DUE;
        } catch (IOException e) {
            // Retried at the next round; until then the HELLO carries the old generation, refused all the same.
            LOG.error("cg {}: cannot end the diverged generation at seq {}: {}", cg, endSeq, e.toString());
        }
    }

    /**
     * The operator's {@code datamover resync --discard replica}: starts a generation that the target, refused as
     * DIVERGED, takes by giving up what it holds after the histories' common point (docs/protocol.md, "Generations").
     * Durable before it returns; idempotent: a rerun before the target connected again starts no other generation.
     *
     * @param journalSeq the journal's highest seq now, where the current generation ends
     * @param beforeNewGeneration what must be durable before the replica can take the new generation (the tap's
     *     resync, owed from then on)
     * @return what was done, for the operator
     * @throws IllegalStateException when there is nothing a discard resolves (not refused, or UNRELATED)
     */
    synchronized String discardReplica(long journalSeq, BeforeDiscard beforeNewGeneration) throws IOException {
        GenerationHistory history = log.history();
        boolean discardStarted = !history.earlier().isEmpty() && history.earlier().getFirst().discardsReplica();
        String refused = refusal;
        if (discardStarted && (refused == null || refused.startsWith(ErrorCode.DIVERGED.name()))) {
            return "consistency group " + cg + ": already resolved: " + history + " (the target takes it at its next"
                    + " connection)";
        }
        if (refused == null) {
            throw new IllegalStateException("consistency group " + cg + " is not refused by its target as DIVERGED"
                    + " (now): nothing to discard. A source gateway learns it at its next connection to the target");
        }
        if (!refused.startsWith(ErrorCode.DIVERGED.name())) {
            throw new IllegalStateException("consistency group " + cg + " is refused as " + refused + ": the replica"
                    + " set shares no history with this source; a discard does not take over another pair's replica."
                    + " Move the target's replica set of this group aside (the target then creates a new one and the"
                    + " tap's initial sync fills it)");
        }
        beforeNewGeneration.run();
        GenerationHistory next = log.startNext(journalSeq, true);
        endDueAt = NONE_DUE;
        LOG.warn("cg {}: resync --discard replica: {}; the target gives up what it holds after the histories' common"
                + " point at its next connection", cg, next);
        return "consistency group " + cg + ": " + next + " started at seq " + journalSeq + ", discarding the replica's"
                + " data; the target takes it at its next connection and is resynced";
    }

    /** Runs before a discarding generation is stored. */
    @FunctionalInterface
    public interface BeforeDiscard {
        void run() throws IOException;
    }

    /** The refusal as DIVERGED or UNRELATED that holds the group, or null. */
    String refusal() {
        return refusal;
    }

    /** The group's current generation id, for status. */
    long currentGeneration() {
        return log.history().current();
    }
}
