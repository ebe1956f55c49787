package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LatestAckTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void theAcknowledgingThreadNeverWaitsForASlowApplyAndOnlyTheHighestSeqIsAppliedAfterIt() throws Exception {
        CountDownLatch applyMayEnd = new CountDownLatch(1);
        List<Long> applied = new CopyOnWriteArrayList<>();
        LatestAck acks = new LatestAck(executor, seq -> {
            applied.add(seq);
            try {
                applyMayEnd.await(); // the group's lock held by the guest's writes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        acks.acknowledged(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 1);
        long start = System.nanoTime();
        for (long seq = 2; seq <= 10_000; seq++) {
            acks.acknowledged(seq);
        }
        acks.acknowledged(5); // an older ack after a newer one changes nothing
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        applyMayEnd.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> applied.getLast() == 10_000L);
        assertThat(tookMs).as("10,000 acks while the apply was stuck").isLessThan(2_000);
        assertThat(applied).containsExactly(1L, 10_000L);
    }

    @Test
    void anAckAfterShutdownIsDroppedWithoutThrowing() {
        List<Long> applied = new CopyOnWriteArrayList<>();
        LatestAck acks = new LatestAck(executor, applied::add);
        executor.shutdown();

        acks.acknowledged(7);

        assertThat(applied).isEmpty();
    }
}
