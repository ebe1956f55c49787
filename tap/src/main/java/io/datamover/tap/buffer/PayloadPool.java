package io.datamover.tap.buffer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct memory for the WRITE payloads the tap keeps after its local write: a payload that will be streamed is
 * copied here once, out of the NBD read buffers (which are free again right after the decode and stay in the
 * cache for the next socket read), and this one block is what the local {@code pwrite} reads, what the sender's
 * window holds and what the frame encoder hands to the socket, until the gateway acknowledges the record.
 *
 * <p>Blocks come in power-of-two sizes from {@value #MIN_BLOCK_BYTES} bytes to 32 MiB. Releasing a block's last
 * reference returns it to the pool, never to the system: a block is mapped and faulted in once and reused from then
 * on, instead of every window's worth of payloads landing in memory the allocator maps anew. The memory the pool
 * keeps, blocks in use and idle, never exceeds {@code maxBytes}: an idle block of another size is freed to make room
 * for one that is needed, and when nothing idle is left the caller gets null and copies elsewhere (counted as a miss).
 * What a burst made the pool grow to is given back once it is no longer needed: {@link #trimIdle}, called
 * periodically, frees the blocks that stayed idle for a whole period.
 *
 * <p>Thread-safe without one shared lock: blocks are taken on the NBD event loops and returned on whichever thread
 * releases them last (an I/O thread, the sender's event loop on an ack). Each block size has its own stack of idle
 * blocks, behind its own monitor held for one push or pop; the bytes kept are counted in atomics, the bound reserved
 * with a compare-and-set, so a take and a return of different sizes never meet, and those of one size only for the
 * push or pop itself.
 */
public final class PayloadPool implements AutoCloseable {

    /** The smallest block: a 512-byte write takes 512 bytes, not a page. */
    public static final int MIN_BLOCK_BYTES = 512;
    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_BLOCK_BYTES);
    /** The largest block: the largest request a tap accepts ({@code TapConfig.MAX_REQUEST_BYTES_LIMIT}). */
    public static final int MAX_BLOCK_BYTES = 32 << 20;
    private static final int SIZES = Integer.numberOfTrailingZeros(MAX_BLOCK_BYTES) - MIN_SHIFT + 1;

    private static final ResourceLeakDetector<Block> LEAKS =
            ResourceLeakDetectorFactory.instance().newResourceLeakDetector(Block.class);

    private final long maxBytes;
    /**
     * Idle blocks per size, most recently returned last (taken first: the likeliest to be in a cache); each deque is
     * guarded by its own monitor.
     */
    private final List<ArrayDeque<Block>> idle;
    private final Counter misses;
    private final List<Meter> meters;
    private final MeterRegistry registry;
    /** Bytes of every block the pool has made and not freed, in use or idle; never above {@code maxBytes}. */
    private final AtomicLong keptBytes = new AtomicLong();
    private final AtomicLong idleBytes = new AtomicLong();
    /** Set once; read under each size's monitor by a return, so a block returned after close is freed. */
    private volatile boolean closed;
    /**
     * Counts {@link #trimIdle} calls (from one thread); a block returned before the last one and still idle has been
     * idle a period.
     */
    private volatile long trims;

    /** A pool keeping at most {@code maxBytes} of blocks; its meters carry {@code tags}. */
    public PayloadPool(long maxBytes, MeterRegistry registry, String... tags) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.registry = registry;
        this.idle = java.util.stream.IntStream.range(0, SIZES).mapToObj(i -> new ArrayDeque<Block>()).toList();
        this.misses = Counter.builder("datamover.tap.payload.pool.misses").tags(tags)
                .description("payloads copied outside the pool because it had no room").register(registry);
        this.meters = List.of(misses,
                Gauge.builder("datamover.tap.payload.pool.bytes", this, PayloadPool::inUseBytes)
                        .tags(tags).tag("state", "in_use").register(registry),
                Gauge.builder("datamover.tap.payload.pool.bytes", this, PayloadPool::idleBytes)
                        .tags(tags).tag("state", "idle").register(registry));
    }

    /**
     * A copy of {@code length} bytes of {@code source} from {@code index}, in a block of this pool (readable bytes
     * exactly the copy; one reference, owned by the caller); null when the pool has no room for it.
     */
    public ByteBuf copyOf(ByteBuf source, int index, int length) {
        ByteBuf block = allocate(length);
        return block == null ? null : block.writeBytes(source, index, length);
    }

    /**
     * An empty block with room for {@code length} bytes (one reference, owned by the caller), for a payload that
     * arrives in it piece by piece; null when the pool has no room for it.
     */
    public ByteBuf allocate(int length) {
        Block block = take(length);
        if (block == null) {
            misses.increment();
        }
        return block;
    }

    /**
     * The memory {@code payload} keeps while it is held: a block's whole size, else its readable bytes (a copy made
     * to measure).
     */
    public static long heldBytes(ByteBuf payload) {
        return payload instanceof Block block ? block.capacity() : payload.readableBytes();
    }

    /** Bytes of blocks handed out and not yet returned (read from two counters: a gauge's view, not exact). */
    public long inUseBytes() {
        return keptBytes.get() - idleBytes.get();
    }

    /** Bytes of blocks kept for reuse. */
    public long idleBytes() {
        return idleBytes.get();
    }

    /**
     * Frees the blocks that stayed idle since the previous call, so memory a burst needed is not kept for good;
     * called periodically, from one thread (the period is how long an idle block is kept, at least).
     */
    public void trimIdle() {
        long current = trims;
        for (ArrayDeque<Block> blocks : idle) {
            synchronized (blocks) {
                // Blocks are taken from the end: the ones at the front have waited longest.
                while (!blocks.isEmpty() && blocks.peekFirst().returnedAtTrim < current) {
                    free(blocks.pollFirst());
                }
            }
        }
        trims = current + 1;
    }

    /** Frees the idle blocks; blocks still in use are freed when they are released. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ArrayDeque<Block> blocks : idle) {
            synchronized (blocks) {
                while (!blocks.isEmpty()) {
                    free(blocks.pollFirst());
                }
            }
        }
        meters.forEach(registry::remove);
    }

    private Block take(int length) {
        if (length > MAX_BLOCK_BYTES || closed) {
            return null;
        }
        int size = sizeIndex(length);
        int bytes = MIN_BLOCK_BYTES << size;
        ArrayDeque<Block> blocks = idle.get(size);
        Block reused;
        synchronized (blocks) {
            reused = blocks.pollLast();
        }
        if (reused != null) {
            idleBytes.addAndGet(-bytes);
            reused.reuse();
            return reused;
        }
        if (!reserve(bytes)) {
            return null;
        }
        try {
            return new Block(this, bytes);
        } catch (OutOfMemoryError e) {
            keptBytes.addAndGet(-bytes);
            return null;
        }
    }

    /** Counts {@code bytes} more as kept if they fit in the bound, freeing idle blocks, largest first, to make room. */
    private boolean reserve(int bytes) {
        while (true) {
            long kept = keptBytes.get();
            if (kept + bytes <= maxBytes) {
                if (keptBytes.compareAndSet(kept, kept + bytes)) {
                    return true;
                }
            } else if (!freeLargestIdle()) {
                return false;
            }
        }
    }

    /** Frees one idle block, of the largest size that has one; false when no block is idle. */
    private boolean freeLargestIdle() {
        for (int size = SIZES - 1; size >= 0; size--) {
            ArrayDeque<Block> blocks = idle.get(size);
            synchronized (blocks) {
                Block oldest = blocks.pollFirst();
                if (oldest != null) {
                    free(oldest);
                    return true;
                }
            }
        }
        return false;
    }

    /** Frees an idle block taken off its stack. */
    private void free(Block block) {
        idleBytes.addAndGet(-block.capacity());
        keptBytes.addAndGet(-block.capacity());
        block.free();
    }

    /** Takes back a block whose last reference was released; false when the pool is closed (free it). */
    private boolean returned(Block block) {
        ArrayDeque<Block> blocks = idle.get(sizeIndex(block.capacity()));
        synchronized (blocks) {
            if (closed) {
                keptBytes.addAndGet(-block.capacity());
                return false;
            }
            block.returnedAtTrim = trims;
            idleBytes.addAndGet(block.capacity());
            blocks.addLast(block);
            return true;
        }
    }

    static int sizeIndex(int length) {
        int rounded = Math.max(MIN_BLOCK_BYTES, length <= 1 ? 1 : Integer.highestOneBit(length - 1) << 1);
        return Integer.numberOfTrailingZeros(rounded) - MIN_SHIFT;
    }

    /**
     * A block of the pool: a direct buffer of fixed capacity whose release goes back to the pool. Netty's leak
     * detector watches it while it is handed out, as it does the allocator's buffers.
     */
    private static final class Block extends UnpooledDirectByteBuf {
        private final PayloadPool pool;
        private ResourceLeakTracker<Block> leak;
        /** The pool's trim count when this block was last returned; guarded by its size's idle stack. */
        private long returnedAtTrim;

        Block(PayloadPool pool, int bytes) {
            super(ByteBufAllocator.DEFAULT, bytes, bytes);
            this.pool = pool;
            this.leak = LEAKS.track(this);
        }

        /** Handed out again: one reference, nothing readable. */
        void reuse() {
            resetRefCnt();
            clear();
            leak = LEAKS.track(this);
        }

        @Override
        protected void deallocate() {
            if (leak != null) {
                leak.close(this);
                leak = null;
            }
            if (!pool.returned(this)) {
                super.deallocate();
            }
        }

        void free() {
            super.deallocate();
        }
    }
}
