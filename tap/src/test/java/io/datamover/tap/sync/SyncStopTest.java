package io.datamover.tap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A stop ends a syncer's wait for the group's event at once, whether it comes before the wait or during it. */
class SyncStopTest {

    @Test
    void aStopEndsAWaitUnderWay() throws Exception {
        SyncStop stop = new SyncStop();
        CompletableFuture<Boolean> neverAnswered = new CompletableFuture<>();
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return stop.await(neverAnswered);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> neverAnswered.getNumberOfDependents() > 0);

        stop.stop();

        assertThat(waited.get()).isFalse();
        assertThat(stop.stopped()).isTrue();
    }

    @Test
    void aWaitAfterAStopEndsAtOnceAndAnAnsweredOneGivesTheAnswer() throws Exception {
        SyncStop running = new SyncStop();
        assertThat(running.await(CompletableFuture.completedFuture(true))).isTrue();

        SyncStop stopped = new SyncStop();
        stopped.stop();
        assertThat(stopped.await(new CompletableFuture<>())).isFalse();
    }
}
