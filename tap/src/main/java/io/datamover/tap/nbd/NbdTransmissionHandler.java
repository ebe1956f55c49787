package io.datamover.tap.nbd;

import io.datamover.protocol.netty.FlushCoalescer;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The transmission phase of one connection, on its event loop: validates each request (bad ones are answered at
 * once, without touching the disk), hands good ones to the bounded I/O executor, and keeps the connection within
 * its in-flight limits by pausing reads (TCP backpressure) rather than queueing. Replies go out as they complete,
 * matched by cookie, in any order.
 */
final class NbdTransmissionHandler extends ChannelInboundHandlerAdapter {

    private final NbdSession session;
    private final RequestValidator validator;
    private final RequestProcessor processor;
    private final Executor ioExecutor;
    private final int maxInFlightRequests;
    private final long maxInFlightBytes;
    private final BooleanSupplier shuttingDown;
    private final ProtocolErrors errors;
    private final RequestCounters requestCounters;

    // Event-loop state only.
    private int inFlightRequests;
    private long inFlightBytes;
    private boolean disconnecting;

    NbdTransmissionHandler(NbdSession session, RequestValidator validator, RequestProcessor processor, Executor ioExecutor,
            int maxInFlightRequests, long maxInFlightBytes, BooleanSupplier shuttingDown, ProtocolErrors errors,
            MeterRegistry registry) {
        this.session = session;
        this.validator = validator;
        this.processor = processor;
        this.ioExecutor = ioExecutor;
        this.maxInFlightRequests = maxInFlightRequests;
        this.maxInFlightBytes = maxInFlightBytes;
        this.shuttingDown = shuttingDown;
        this.errors = errors;
        this.requestCounters = RequestCounters.of(registry);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        NbdRequest request = (NbdRequest) msg;
        requestCounters.count(request.type);
        if (disconnecting) {
            request.release();
            errors.rejected(ctx, "request_after_disc", request + " after NBD_CMD_DISC");
            return;
        }
        RequestValidator.Rejection rejection = validator.validate(request, session);
        if (rejection != null) {
            errors.rejected(ctx, rejection.reason(), request + ": " + rejection.message());
            ctx.writeAndFlush(NbdReplies.error(ctx.alloc(), session.structuredReplies(), request.cookie,
                    rejection.error(), rejection.message()));
            request.release();
            return;
        }
        if (request.type == Nbd.CMD_DISC) {
            request.release();
            // Finish what is in flight, then close (the spec's soft disconnect).
            disconnecting = true;
            updateAutoRead(ctx);
            closeWhenDrained(ctx);
            return;
        }
        long cost = request.type == Nbd.CMD_READ || request.type == Nbd.CMD_WRITE ? request.length : 0;
        inFlightRequests++;
        inFlightBytes += cost;
        updateAutoRead(ctx);
        try {
            ioExecutor.execute(() -> processor.process(request, session, reply -> send(ctx, reply, cost)));
        } catch (RejectedExecutionException e) {
            ctx.writeAndFlush(NbdReplies.error(ctx.alloc(), session.structuredReplies(), request.cookie, Nbd.ESHUTDOWN,
                    "the tap is shutting down"));
            request.release();
            replied(ctx, cost);
        }
    }

    /**
     * From an I/O thread: queue the reply and a coalesced flush; accounting happens on the event loop once the
     * reply is written.
     */
    private void send(ChannelHandlerContext ctx, ByteBuf reply, long cost) {
        ChannelPromise written = ctx.newPromise();
        written.addListener(future -> replied(ctx, cost));
        FlushCoalescer.write(ctx, reply, written);
    }

    private void replied(ChannelHandlerContext ctx, long cost) {
        inFlightRequests--;
        inFlightBytes -= cost;
        updateAutoRead(ctx);
        closeWhenDrained(ctx);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = !disconnecting && !shuttingDown.getAsBoolean() && inFlightRequests < maxInFlightRequests && inFlightBytes < maxInFlightBytes;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void closeWhenDrained(ChannelHandlerContext ctx) {
        if (disconnecting && inFlightRequests == 0) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.fatal(ctx, "connection_error", String.valueOf(cause));
    }
}
