package io.datamover.protocol;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** An allocator that remembers the largest buffer anyone asked it for, and every buffer it gave out. */
public final class RecordingAllocator extends AbstractByteBufAllocator {
    private final UnpooledByteBufAllocator delegate = new UnpooledByteBufAllocator(false);
    private final List<ByteBuf> allocated = new ArrayList<>();
    private int largestRequest;

    public int largestRequest() {
        return largestRequest;
    }

    /** How many of the buffers given out so far are still referenced (a leak once their users are done). */
    public long unreleased() {
        return allocated.stream().filter(b -> b.refCnt() > 0).count();
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        largestRequest = Math.max(largestRequest, initialCapacity);
        return remember(delegate.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        largestRequest = Math.max(largestRequest, initialCapacity);
        return remember(delegate.directBuffer(initialCapacity, maxCapacity));
    }

    private ByteBuf remember(ByteBuf buf) {
        allocated.add(buf);
        return buf;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}
