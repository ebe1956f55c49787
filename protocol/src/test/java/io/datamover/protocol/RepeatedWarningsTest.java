package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A peer that repeats itself every second gets one line a window per reason, which counts the ones left out. */
class RepeatedWarningsTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-08T00:00:00Z"));
    private final InstantSource clock = () -> now.get();

    @Test
    void oneLineAWindowPerPeerAndReasonCountingTheOnesLeftOut() {
        RepeatedWarnings warnings = new RepeatedWarnings(clock, Duration.ofMinutes(1), 16);
        assertThat(warnings.admit("src-1/DIVERGED")).isEmpty();
        for (int second = 1; second < 60; second++) {
            now.set(now.get().plusSeconds(1));
            assertThat(warnings.admit("src-1/DIVERGED")).as("second %d", second).isNull();
        }
        assertThat(warnings.admit("src-2/DIVERGED")).as("another peer").isEmpty();
        assertThat(warnings.admit("src-1/WRONG_PAIR")).as("another reason").isEmpty();
        now.set(now.get().plusSeconds(1));
        assertThat(warnings.admit("src-1/DIVERGED")).isEqualTo(" (59 more like it not logged since "
                + "2026-12-08T00:00:00Z)");
        now.set(now.get().plusSeconds(1));
        assertThat(warnings.admit("src-1/DIVERGED")).isNull();
    }

    @Test
    void forgetsTheLeastRecentKeysPastItsBound() {
        RepeatedWarnings warnings = new RepeatedWarnings(clock, Duration.ofMinutes(1), 2);
        assertThat(warnings.admit("a")).isEmpty();
        assertThat(warnings.admit("b")).isEmpty();
        assertThat(warnings.admit("c")).isEmpty();
        assertThat(warnings.admit("a")).as("forgotten: logged again").isEmpty();
        assertThat(warnings.admit("c")).isNull();
    }
}
