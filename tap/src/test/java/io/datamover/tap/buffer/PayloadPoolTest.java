package io.datamover.tap.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's memory: bounded, reused, given back when idle. */
class PayloadPoolTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PayloadPool pool = new PayloadPool(1 << 20, registry, "cg", "1");
    private final ByteBuf source = Unpooled.directBuffer(1 << 20).writeZero(1 << 20);

    @AfterEach
    void release() {
        source.release();
        pool.close();
    }

    @Test
    void blocksArePowersOfTwoFromHalfAKibibyte() {
        assertThat(PayloadPool.sizeIndex(1)).isZero();
        assertThat(PayloadPool.sizeIndex(512)).isZero();
        assertThat(PayloadPool.sizeIndex(513)).isEqualTo(1);
        assertThat(PayloadPool.sizeIndex(PayloadPool.MAX_BLOCK_BYTES)).isEqualTo(16);
        ByteBuf copy = pool.copyOf(source, 0, 5000);
        try {
            assertThat(copy.readableBytes()).isEqualTo(5000);
            assertThat(PayloadPool.heldBytes(copy)).isEqualTo(8192);
        } finally {
            copy.release();
        }
    }

    @Test
    void whatExceedsTheBoundIsAMissNotAnAllocation() {
        ByteBuf first = pool.copyOf(source, 0, 600 << 10);
        try {
            assertThat(pool.copyOf(source, 0, 600 << 10)).as("1 MiB in use, no room for another").isNull();
            assertThat(registry.get("datamover.tap.payload.pool.misses").counter().count()).isEqualTo(1);
        } finally {
            first.release();
        }
        ByteBuf again = pool.copyOf(source, 0, 600 << 10);
        assertThat(again).as("the returned block, reused").isSameAs(first);
        again.release();
    }

    @Test
    void threadsTakingAndReturningBlocksOfMixedSizesStayWithinTheBoundAndLoseNoByte() throws Exception {
        int threads = 4;
        AtomicLong maxInUse = new AtomicLong();
        AtomicLong misses = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random random = new Random(seed);
                for (int i = 0; i < 20_000; i++) {
                    ByteBuf block = pool.allocate(1 + random.nextInt(256 << 10));
                    if (block == null) {
                        misses.incrementAndGet();
                        continue;
                    }
                    maxInUse.accumulateAndGet(pool.inUseBytes(), Math::max);
                    block.release();
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(maxInUse.get()).as("never more than the bound in use").isLessThanOrEqualTo(1 << 20);
        assertThat(pool.inUseBytes()).as("every block returned").isZero();
        assertThat(pool.idleBytes()).isPositive().isLessThanOrEqualTo(1 << 20);
        assertThat(registry.get("datamover.tap.payload.pool.misses").counter().count()).isEqualTo(misses.get());
    }

    @Test
    void aBlockIdleForAWholeTrimPeriodIsFreedOneInUseMeanwhileIsKept() {
        pool.copyOf(source, 0, 4096).release();
        pool.copyOf(source, 0, 64 << 10).release();
        pool.trimIdle();
        assertThat(pool.idleBytes()).as("returned during this period: kept").isEqualTo(4096 + (64 << 10));

        pool.copyOf(source, 0, 4096).release(); // used again during the period
        pool.trimIdle();
        assertThat(pool.idleBytes()).as("the 64 KiB block was idle a whole period").isEqualTo(4096);
        pool.trimIdle();
        assertThat(pool.idleBytes()).isZero();
        assertThat(pool.inUseBytes()).isZero();
    }
}
