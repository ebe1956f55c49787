package io.datamover.protocol.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes for threads other than the event loop, with one flush for many messages: under load many
 * messages share one flush (one syscall) instead of one each, and a lone message still goes out at
 * once.
 *
 * <p>The write and the decision to schedule a flush happen together in one task on the event loop,
 * and the flag lives there too: a flush then always runs after every write that saw it pending.
 * (Deciding on the writer's thread races: a write queued behind the pending flush would never be
 * flushed.)
 */
public final class FlushCoalescer {
    private static final AttributeKey<FlushCoalescer> KEY = AttributeKey.valueOf(FlushCoalescer.class, "flusher");

    private final Channel channel;
    private final Runnable flush;
    /** Event loop only. */
    private boolean flushPending;

    private FlushCoalescer(Channel channel) {
        this.channel = channel;
        this.flush = () -> {
            flushPending = false;
            this.channel.flush();
        };
    }

    /** Writes {@code msg} through {@code ctx} (from any thread) and flushes soon. */
    public static void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        of(ctx.channel()).write((ChannelOutboundInvoker) ctx, msg, promise);
    }

    /** Writes {@code msg} to {@code channel} (from any thread) and flushes soon. */
    public static void write(Channel channel, Object msg, ChannelPromise promise) {
        of(channel).write((ChannelOutboundInvoker) channel, msg, promise);
    }

    private static FlushCoalescer of(Channel channel) {
        FlushCoalescer existing = channel.attr(KEY).get();
        if (existing != null) {
            return existing;
        }
        FlushCoalescer fresh = new FlushCoalescer(channel);
        FlushCoalescer raced = channel.attr(KEY).setIfAbsent(fresh);
        return raced != null ? raced : fresh;
    }

    private void write(ChannelOutboundInvoker out, Object msg, ChannelPromise promise) {
        if (channel.eventLoop().inEventLoop()) {
            writeOnLoop(out, msg, promise);
            return;
        }
        try {
            channel.eventLoop().execute(() -> writeOnLoop(out, msg, promise));
        } catch (RejectedExecutionException e) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(e);
        }
    }

    private void writeOnLoop(ChannelOutboundInvoker out, Object msg, ChannelPromise promise) {
        out.write(msg, promise);
        if (!flushPending) {
            flushPending = true;
            channel.eventLoop().execute(flush);
        }
    }
}
