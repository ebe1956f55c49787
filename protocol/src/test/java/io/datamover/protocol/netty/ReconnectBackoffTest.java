package io.datamover.protocol.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    @Test
    void delaysDoubleUpToTheMaximumAndResetAfterASuccess() {
        ReconnectBackoff backoff = new ReconnectBackoff(100, 1_000, 0, new SplittableRandom(1));
        assertThat(LongStream.generate(backoff::nextDelayMs).limit(6).toArray())
                .containsExactly(100, 200, 400, 800, 1_000, 1_000);
        backoff.reset();
        assertThat(backoff.nextDelayMs()).isEqualTo(100);
    }

    @Test
    void jitterOnlyShortensAWaitByAtMostItsRatio() {
        ReconnectBackoff backoff = new ReconnectBackoff(1_000, 1_000, 0.5, new SplittableRandom(42));
        long[] delays = LongStream.generate(backoff::nextDelayMs).limit(200).toArray();
        assertThat(LongStream.of(delays).min().orElseThrow()).isGreaterThanOrEqualTo(500);
        assertThat(LongStream.of(delays).max().orElseThrow()).isLessThanOrEqualTo(1_000);
        assertThat(LongStream.of(delays).distinct().count()).isGreaterThan(100);
    }

    @Test
    void aHugeMaximumDoesNotOverflow() {
        ReconnectBackoff backoff = new ReconnectBackoff(1, Long.MAX_VALUE, 0, new SplittableRandom(1));
        long previous = 0;
        for (int i = 0; i < 100; i++) {
            long delay = backoff.nextDelayMs();
            assertThat(delay).isGreaterThanOrEqualTo(previous);
            previous = delay;
        }
    }
}
