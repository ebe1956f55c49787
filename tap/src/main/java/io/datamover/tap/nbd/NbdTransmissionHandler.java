package io.datamover.tap.nbd;

import io.datamover.protocol.netty.FlushCoalescer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection, on its event loop: validates each request (bad ones are answered at
 * once, without touching the disk), hands good ones to the bounded I/O executor, and keeps the connection within
 * its in-flight limits by backpressure rather than queueing or refusing: the {@link NbdRequestDecoder} before it
 * decodes a request only while {@link #admitsRequests()}, and reads from the socket pause meanwhile. Replies go
 * out as they complete, matched by cookie, in any order.
 *
 * <p>The executor's queue holds every connection's full allowance, so it never refuses a task while the tap
 * runs; if it ever does (a bug, or the executor stopping at shutdown), the request is answered ESHUTDOWN with an
 * ERROR line and a count in {@code datamover.tap.io.rejected}.
 */
final class NbdTransmissionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(NbdTransmissionHandler.class);

    private final NbdSession session;
    private final RequestValidator validator;
    private final NbdRequestHandler processor;
    private final Executor ioExecutor;
    private final int maxInFlightRequests;
    private final long maxInFlightBytes;
    private final BooleanSupplier shuttingDown;
    private final ProtocolErrors errors;
    private final RequestCounters requestCounters;
    private final Counter rejectedTasks;
    private NbdRequestDecoder decoder;

    // Event-loop state only.
    private int inFlightRequests;
    private long inFlightBytes;
    private boolean disconnecting;

    NbdTransmissionHandler(NbdSession session, RequestValidator validator, NbdRequestHandler processor, Executor ioExecutor,
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
        this.rejectedTasks = registry.counter("datamover.tap.io.rejected");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        decoder = ctx.pipeline().get(NbdRequestDecoder.class);
    }

    /** True while this connection has room for one more request in flight (the decoder's gate). */
    boolean admitsRequests() {
        return !shuttingDown.getAsBoolean() && inFlightRequests < maxInFlightRequests && inFlightBytes < maxInFlightBytes;
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
            rejectedTasks.increment();
            LOG.error("the I/O executor refused {} from NBD client {}{}: {}; answered ESHUTDOWN", request,
                    ctx.channel().remoteAddress(), shuttingDown.getAsBoolean() ? " (the tap is shutting down)" : "",
                    e.getMessage());
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
        // Requests already read go first; the socket is read again only if room is left after them.
        if (decoder != null && !disconnecting && admitsRequests()) {
            try {
                decoder.decodeHeldRequests();
            } catch (Exception e) {
                exceptionCaught(ctx, e);
            }
        }
        updateAutoRead(ctx);
        closeWhenDrained(ctx);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = !disconnecting && admitsRequests();
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
