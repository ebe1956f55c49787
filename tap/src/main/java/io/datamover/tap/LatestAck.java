package io.datamover.tap;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands durable acks from the thread that receives them (the sender's event loop) to another thread, never blocking
 * the first one: only the highest seq matters (an ack covers every seq below it), so acks that arrive while one is
 * being applied collapse into one, and at most one task is queued at a time.
 */
final class LatestAck {
    private static final Logger LOG = LoggerFactory.getLogger(LatestAck.class);
    private final Executor executor;
    private final LongConsumer apply;
    private final AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Runnable drain = this::drain;
    /** Executor thread only. */
    private long applied = Long.MIN_VALUE;

    LatestAck(Executor executor, LongConsumer apply) {
        this.executor = executor;
        this.apply = apply;
    }

    /** Every seq up to {@code seq} is durable; from any thread, never blocks. */
    void acknowledged(long seq) {
        latest.accumulateAndGet(seq, Math::max);
        if (queued.compareAndSet(false, true)) {
            try {
                executor.execute(drain);
            } catch (RejectedExecutionException e) {
                queued.set(false); // shutting down: the tap applies the sender's last durable seq when it closes
            }
        }
    }

    /**
     * The gateway now holds only up to {@code seq} (it lost records it had acknowledged): the acks of the stream that
     * continues after it count again, though below the highest seen so far. Any thread; call before that stream
     * starts.
     */
    void restartAfter(long seq) {
        latest.set(seq);
        try {
            executor.execute(() -> applied = Math.min(applied, seq));
        } catch (RejectedExecutionException e) {
            // shutting down: nothing more is applied
        }
    }

    private void drain() {
        queued.set(false); // before reading: an ack arriving from now on queues another drain
        long seq = latest.get();
        if (seq > applied) {
            applied = seq;
            try {
                apply.accept(seq);
            } catch (RuntimeException e) {
                LOG.error("durable ack of seq {} could not be applied; its dirty regions stay set", seq, e);
            }
        }
    }
}
