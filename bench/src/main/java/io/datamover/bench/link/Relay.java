package io.datamover.bench.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of one proxied connection: what {@code from} reads is written to {@code to} a latency later, in
 * order. The delay line holds at most about {@link #MAX_DELAYED_BYTES}: past that, or while {@code to} is not
 * writable (its traffic shaper is behind), {@code from} stops reading and TCP pushes back on the sender. Both
 * channels share one event loop, so all state is that thread's.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    static final long MAX_DELAYED_BYTES = 4 << 20;

    private record Delayed(long dueNanos, ByteBuf bytes) {}

    private final Channel from;
    private final long latencyNanos;
    private final AtomicLong forwarded;
    private final ByteCorrupter corrupter;
    private final ArrayDeque<Delayed> line = new ArrayDeque<>();
    private Channel to;
    private Relay reverse;
    private long delayedBytes;
    private boolean stalled;
    private ScheduledFuture<?> drainTask;

    Relay(Channel from, long latencyNanos, AtomicLong forwarded, ByteCorrupter corrupter) {
        this.from = from;
        this.latencyNanos = latencyNanos;
        this.forwarded = forwarded;
        this.corrupter = corrupter;
    }

    /** Joins the two directions of a connection; each writes to the other's channel. */
    static void pair(Relay a, Relay b) {
        a.to = b.from;
        b.to = a.from;
        a.reverse = b;
        b.reverse = a;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || to == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        corrupter.apply(bytes);
        line.addLast(new Delayed(System.nanoTime() + latencyNanos, bytes));
        delayedBytes += bytes.readableBytes();
        drain();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel is the reverse relay's destination: its shaper caught up or fell behind.
        if (reverse != null) {
            reverse.updateReading();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        if (to != null) {
            to.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset from either end ends the connection, as on a real link.
        ctx.close();
    }

    /** Holds (or releases) the delay line and stops (or resumes) reading. Event loop only. */
    void stall(boolean on) {
        stalled = on;
        if (!on) {
            drain();
        }
        updateReading();
    }

    private void drain() {
        drainTask = null;
        if (stalled || to == null) {
            updateReading();
            return;
        }
        long now = System.nanoTime();
        boolean wrote = false;
        while (!line.isEmpty() && line.peekFirst().dueNanos() - now <= 0) {
            Delayed next = line.pollFirst();
            int n = next.bytes().readableBytes();
            delayedBytes -= n;
            forwarded.addAndGet(n);
            to.write(next.bytes(), to.voidPromise());
            wrote = true;
        }
        if (wrote) {
            to.flush();
        }
        if (!line.isEmpty()) {
            drainTask = from.eventLoop().schedule(this::drain, line.peekFirst().dueNanos() - now,
                    TimeUnit.NANOSECONDS);
        }
        updateReading();
    }

    void updateReading() {
        boolean read = !stalled && from.isActive() && (to == null || to.isWritable())
                && delayedBytes < MAX_DELAYED_BYTES;
        if (from.config().isAutoRead() != read) {
            from.config().setAutoRead(read);
        }
    }

    private void release() {
        if (drainTask != null) {
            drainTask.cancel(false);
            drainTask = null;
        }
        for (Delayed d : line) {
            d.bytes().release();
        }
        line.clear();
        delayedBytes = 0;
    }
}
