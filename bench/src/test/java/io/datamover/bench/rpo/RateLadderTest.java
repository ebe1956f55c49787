package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/** The rates a sustained-rate search tries: doubling until a step fails, then bisecting to the resolution. */
class RateLadderTest {
    private static final long M = 1 << 20;

    @Test
    void doublesUntilAStepFailsThenBisectsDownToTheResolution() {
        RateLadder ladder = new RateLadder(16 * M, 4 * M, 4096 * M);
        List<Long> tried = search(ladder, rate -> rate <= 45 * M, 10);
        assertThat(tried).containsExactly(16 * M, 32 * M, 64 * M, 48 * M, 40 * M, 44 * M);
        assertThat(ladder.highestHeld()).isEqualTo(44 * M);
        assertThat(ladder.lowestFailed()).hasValue(48 * M);
        assertThat(ladder.next()).as("the gap is one resolution wide").isEmpty();
    }

    @Test
    void aFirstStepThatFailsIsBisectedTowardZeroAndStopsAtTheResolution() {
        RateLadder ladder = new RateLadder(16 * M, 4 * M, 4096 * M);
        assertThat(search(ladder, rate -> false, 10)).containsExactly(16 * M, 8 * M, 4 * M);
        assertThat(ladder.highestHeld()).isZero();
    }

    @Test
    void theDoublingStopsAtTheCapAndTheStepsAtTheirLimit() {
        RateLadder capped = new RateLadder(16 * M, 4 * M, 64 * M);
        assertThat(search(capped, rate -> true, 10)).containsExactly(16 * M, 32 * M, 64 * M);
        assertThat(capped.lowestFailed()).isEmpty();
        assertThat(search(new RateLadder(16 * M, 4 * M, 4096 * M), rate -> true, 2)).containsExactly(16 * M, 32 * M);
    }

    @Test
    void aLadderThatCannotStartIsRefused() {
        assertThatThrownBy(() -> new RateLadder(10 * M, 4 * M, 64 * M)).hasMessageContaining("ladder");
        assertThatThrownBy(() -> new RateLadder(16 * M, 4 * M, 8 * M)).hasMessageContaining("ladder");
    }

    /** Runs the ladder with {@code holds} deciding each step, at most {@code steps}; the rates tried. */
    private static List<Long> search(RateLadder ladder, LongPredicate holds, int steps) {
        List<Long> tried = new ArrayList<>();
        for (OptionalLong rate = ladder.next(); rate.isPresent() && tried.size() < steps; rate = ladder.next()) {
            tried.add(rate.getAsLong());
            ladder.record(rate.getAsLong(), holds.test(rate.getAsLong()));
        }
        return tried;
    }
}
