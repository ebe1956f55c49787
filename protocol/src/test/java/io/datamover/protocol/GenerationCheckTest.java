package io.datamover.protocol;

import static io.datamover.protocol.GenerationCheck.Outcome.ADOPT;
import static io.datamover.protocol.GenerationCheck.Outcome.DISCARD_REPLICA;
import static io.datamover.protocol.GenerationCheck.Outcome.DIVERGED;
import static io.datamover.protocol.GenerationCheck.Outcome.RESUME;
import static io.datamover.protocol.GenerationCheck.Outcome.TAKEOVER;
import static io.datamover.protocol.GenerationCheck.Outcome.UNRELATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.GenerationCheck.Outcome;
import io.datamover.protocol.GenerationCheck.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every row of the decision table in docs/protocol.md, "Generations", and the seq edges of each. */
class GenerationCheckTest {
    private static final long A = 0xA1, B = 0xB2, C = 0xC3, X = 0xE5;

    private static GenerationHistory h(long current, EndedGeneration... earlier) {
        return new GenerationHistory(current, List.of(earlier));
    }

    private static EndedGeneration ended(long id, long endSeq) {
        return new EndedGeneration(id, endSeq, false);
    }

    private static EndedGeneration endedByDiscard(long id, long endSeq) {
        return new EndedGeneration(id, endSeq, true);
    }

    private static void expect(GenerationHistory source, long sourceSeq, GenerationHistory target, long targetSeq,
            Outcome outcome, long resumeSeq) {
        expect(GenerationCheck.decide(source, sourceSeq, target, targetSeq), source, sourceSeq, target, targetSeq,
                outcome, resumeSeq);
    }

    /** As {@link #expect}, for a source leading under a higher epoch than the target admitted before. */
    private static void expectTakingOver(GenerationHistory source, long sourceSeq, GenerationHistory target,
            long targetSeq, Outcome outcome, long resumeSeq) {
        expect(GenerationCheck.decideTakingOver(source, sourceSeq, target, targetSeq), source, sourceSeq, target,
                targetSeq, outcome, resumeSeq);
    }

    private static void expect(Verdict v, GenerationHistory source, long sourceSeq, GenerationHistory target,
            long targetSeq, Outcome outcome, long resumeSeq) {
        assertThat(v.outcome()).as("source %s at %d, target %s at %d: %s", source, sourceSeq, target, targetSeq,
                v.reason()).isEqualTo(outcome);
        if (v.accepted()) {
            assertThat(v.resumeSeq()).as("resume seq").isEqualTo(resumeSeq).isLessThanOrEqualTo(sourceSeq);
        }
        assertThat(v.accepted()).isEqualTo(outcome.errorCode() == null);
    }

    @Test
    void aNewReplicaAdoptsTheSourcesGenerationAndResumesFromItsSeq() {
        expect(h(A), 10, GenerationHistory.NONE, 0, ADOPT, 0);
        expect(h(A, ended(B, 4)), 0, GenerationHistory.NONE, 0, ADOPT, 0);
        // A replica stamped by a build without generations keeps what it holds, if the source holds it too.
        expect(h(A), 10, GenerationHistory.NONE, 10, ADOPT, 10);
        expect(h(A), 10, GenerationHistory.NONE, 11, DIVERGED, 0);
    }

    @Test
    void sameGenerationResumesWhileTheSourceHoldsAtLeastWhatTheTargetHolds() {
        expect(h(A), 15, h(A), 14, RESUME, 14);
        expect(h(A), 15, h(A), 15, RESUME, 15);
        expect(h(A), 15, h(A), 0, RESUME, 0);
        // The attack of issue 15: a replica written beyond what the source's journal holds.
        expect(h(A), 14, h(A), 15, DIVERGED, 0);
    }

    @Test
    void aTargetInAnEarlierGenerationOfTheSourceAdoptsTheNewOneIfItStoppedWhereThatGenerationEnded() {
        GenerationHistory source = h(B, ended(A, 20));
        expect(source, 25, h(A), 20, ADOPT, 20);
        expect(source, 25, h(A), 3, ADOPT, 3);
        // It holds more of A than the source's A had: what it holds after seq 20 the source never held.
        expect(source, 25, h(A), 21, DIVERGED, 0);
        expect(h(C, ended(B, 30), ended(A, 20)), 35, h(A), 20, ADOPT, 20);
        expect(h(C, ended(B, 30), ended(A, 20)), 35, h(A), 25, DIVERGED, 0);
        // Never past what the source holds, even where the history would allow it.
        expect(h(B, ended(A, 20)), 10, h(A), 15, DIVERGED, 0);
    }

    @Test
    void aSourceRestoredFromAnOlderCopyIsDiverged() {
        // The target moved on to B after A; the source came back with A (its data from before).
        expect(h(A), 100, h(B, ended(A, 20)), 20, DIVERGED, 0);
        // The restored source started a generation of its own on start: both moved on from A.
        expect(h(C, ended(A, 10)), 10, h(B, ended(A, 20)), 25, DIVERGED, 0);
        // Restored into the same generation and restarted: A ended at 10 on the source, the target holds 14 of A.
        expect(h(C, ended(A, 10)), 10, h(A), 14, DIVERGED, 0);
    }

    @Test
    void aGenerationOneSideDoesNotKnowIsDivergedAndNoCommonGenerationIsUnrelated() {
        expect(h(A, ended(C, 5)), 10, h(B, ended(C, 5)), 5, DIVERGED, 0);
        expect(h(A), 10, h(B), 0, UNRELATED, 0);
        expect(h(A, ended(C, 5)), 10, h(B, ended(X, 5)), 5, UNRELATED, 0);
        expect(GenerationHistory.NONE, 10, h(A), 5, UNRELATED, 0);
        expect(GenerationHistory.NONE, 10, GenerationHistory.NONE, 0, UNRELATED, 0);
    }

    @Test
    void aNewLeaderOfTheSourceSiteTakesOverAReplicaOfAnotherHistoryAfterItsTenuresStartAndResumesAnAgreeingOneAsUsual() {
        // The old leader's history A at the target, seq 500; the new leader's journal is its own (B), fresh or not.
        expectTakingOver(h(B), 0, h(A), 500, TAKEOVER, 0);
        expectTakingOver(h(B), 40, h(A), 500, TAKEOVER, 0);
        // Its tenure began generation B after seq 40 of its journal (an earlier tenure's): resumed after 40, whether
        // the replicas hold more or less, so nothing of the earlier tenure is shipped over them.
        expectTakingOver(h(B, ended(X, 40)), 45, h(A), 500, TAKEOVER, 40);
        expectTakingOver(h(B, ended(X, 40)), 45, h(A), 12, TAKEOVER, 40);
        expectTakingOver(h(B, ended(C, 5)), 900, h(A, ended(C, 5)), 500, TAKEOVER, 5);
        // A history the replicas share decides as without a takeover: the same leader back under a new epoch.
        expectTakingOver(h(A), 600, h(A), 500, RESUME, 500);
        expectTakingOver(h(B, ended(A, 500)), 600, h(A), 500, ADOPT, 500);
        // A source without a history is no leader of anything.
        expectTakingOver(GenerationHistory.NONE, 10, h(A), 5, UNRELATED, 0);
    }

        @Test
    void aDiscardGenerationOverridesAReplicaThatDivergedAtOrBeforeIt() {
        // Refused at A (target 14 > source 10), then resync --discard replica at seq 10: A ended at 10 by a discard.
        GenerationHistory resolved = h(B, endedByDiscard(A, 10));
        expect(resolved, 10, h(A), 14, DISCARD_REPLICA, 10);
        expect(resolved, 12, h(A), 14, DISCARD_REPLICA, 10);
        // A replica that did not diverge adopts as usual, keeping its data.
        expect(resolved, 12, h(A), 9, ADOPT, 9);
        // The source restarted (B after A at 10), was refused, journaled on (the tap's writes) and the operator
        // discarded at seq 30: the replica restarts where A ended, and gets 11..30 from the journal.
        expect(h(C, endedByDiscard(B, 30), ended(A, 10)), 30, h(A), 14, DISCARD_REPLICA, 10);
        // The divergence happened before the discard: the target is in a generation the source never knew.
        expect(h(C, endedByDiscard(B, 10), ended(A, 4)), 10, h(X, ended(A, 8)), 8, DISCARD_REPLICA, 4);
        // No common generation: a discard does not take over another pair's replica.
        expect(resolved, 12, h(X), 14, UNRELATED, 0);
    }

    @Test
    void aDiscardAfterTheSourcesOwnGenerationWentOnAtTheTargetRestartsWhereTheTargetSaysItEnded() {
        // The source was restored from a copy holding B; the target had moved on from B (ended there at 20) to X.
        // After the source's discard, the source's B is an earlier one of its own too.
        expect(h(C, endedByDiscard(B, 12)), 12, h(X, ended(B, 20)), 30, DISCARD_REPLICA, 12);
    }

    @Test
    void aDiscardAfterASplitBrainRestartsWhereThePromotedReplicaLeftTheCommonGeneration() {
        // The replica was failed over at seq 12 (X after A at 12) while the source wrote on to 20 in A, was refused,
        // ended A there (B) and discarded at 30: the replica restarts at 12 and gets 13..30 from the journal.
        expect(h(C, endedByDiscard(B, 30), ended(A, 20)), 30, h(X, ended(A, 12)), 12, DISCARD_REPLICA, 12);
        expect(h(C, endedByDiscard(A, 20)), 20, h(X, ended(A, 12)), 12, DISCARD_REPLICA, 12);
    }

    @Test
    void aDiscardDoesNotOverrideADivergenceThatCameAfterIt() {
        // The target adopted B after the discard, then diverged again within B.
        expect(h(B, endedByDiscard(A, 10)), 20, h(B, endedByDiscard(A, 10)), 21, DIVERGED, 0);
        // Or moved on from B where the source stayed: both sides after the discard point.
        expect(h(C, ended(B, 20), endedByDiscard(A, 10)), 30, h(X, ended(B, 25)), 25, DIVERGED, 0);
    }

    @Test
    void theSourceCheckingTheAnswerOfATargetThatAdoptedSeesTheSameGeneration() {
        GenerationHistory source = h(B, ended(A, 20));
        Verdict atTarget = GenerationCheck.decide(source, 25, h(A), 18);
        assertThat(atTarget.outcome()).isEqualTo(ADOPT);
        // The target answers with the source's history after adopting it.
        Verdict atSource = GenerationCheck.decide(source, 25, source, atTarget.resumeSeq());
        assertThat(atSource.outcome()).isEqualTo(RESUME);
        assertThat(atSource.resumeSeq()).isEqualTo(18);
    }

    @Test
    void nextEndsTheCurrentGenerationAndKeepsABoundedHistory() {
        GenerationHistory g = GenerationHistory.first();
        long first = g.current();
        assertThat(first).isNotZero();
        g = g.next(7, false);
        assertThat(g.current()).isNotEqualTo(first).isNotZero();
        assertThat(g.earlier()).containsExactly(new EndedGeneration(first, 7, false));
        for (int i = 0; i < 2 * GenerationHistory.MAX_EARLIER; i++) {
            g = g.next(8 + i, false);
        }
        assertThat(g.earlier()).hasSize(GenerationHistory.MAX_EARLIER);
        assertThat(g.earlier().get(0).endSeq()).isEqualTo(8 + 2 * GenerationHistory.MAX_EARLIER - 1);
        assertThat(g.contains(first)).as("the oldest are forgotten").isFalse();
    }
}
