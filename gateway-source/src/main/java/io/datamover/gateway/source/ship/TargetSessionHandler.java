package io.datamover.gateway.source.ship;

import io.datamover.gateway.source.ship.ShipperMetrics.ErrorOrigin;
import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the target gateway, from the shipper's side: opens with HELLO, requires a
 * HELLO_ACK from a TARGET_GATEWAY that picks from what was offered, then passes acks on, sends
 * heartbeats when idle, and closes on silence, on an ERROR from the target and on any protocol
 * violation (after telling the target why). Moves frames only; the shipper decides.
 */
final class TargetSessionHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(TargetSessionHandler.class);

    private final Hello hello;
    private final String target;
    private final long readIdleTimeoutMs;
    private final LinkEvents events;
    private final ShipperMetrics metrics;
    private final InstantSource clock;
    private TargetSession session;

    TargetSessionHandler(Hello hello, ShipperConfig config, LinkEvents events, ShipperMetrics metrics,
            InstantSource clock) {
        super(Frame.class);
        this.hello = hello;
        this.target = config.target();
        this.readIdleTimeoutMs = config.readIdleTimeoutMs();
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** True once the target acknowledged a batch of this connection as durable. */
    boolean madeProgress() {
        return session != null && session.acknowledgedDurable;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(hello, ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
        switch (frame) {
            case HelloAck ack when session == null -> {
                Handshake.Agreement agreement = Handshake.checkAccepted(hello, ack, Role.TARGET_GATEWAY);
                session = events.handshaken(ctx.channel(), ack, agreement);
            }
            case Ack ack when session != null -> events.acknowledged(session, ack);
            case Heartbeat ignored when session != null -> {
                // Liveness only: the idle handler has seen the read.
            }
            case ErrorFrame error -> {
                metrics.protocolError(error.code(), ErrorOrigin.PEER);
                LOG.warn("cg {}: target {} closed the connection with {}: {}", hello.cgId(), target, error.code(),
                        error.message());
                ctx.close();
            }
            default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a "
                    + "target gateway" + (session != null ? "" : " before HELLO_ACK"));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(event);
        } else if (idle.state() == IdleState.WRITER_IDLE && session != null) {
            long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
            ctx.writeAndFlush(new Heartbeat(nowMicros, events.lastSentSeq()), ctx.voidPromise());
        } else if (idle.state() == IdleState.READER_IDLE) {
            LOG.warn("cg {}: nothing from target {} for {} ms{}: taking it for dead, closing", hello.cgId(), target,
                    readIdleTimeoutMs, session != null ? "" : " (no HELLO_ACK)");
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return; // a write that raced with a close; the close was reported already
        }
        ProtocolException violation = ProtocolException.findIn(cause);
        if (violation != null) {
            metrics.protocolError(violation.code(), ErrorOrigin.LOCAL);
            LOG.warn("cg {}: protocol violation by target {}, closing: {}", hello.cgId(), target,
                    violation.getMessage());
            ctx.writeAndFlush(ErrorFrame.of(violation)).addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.warn("cg {}: connection to target {} failed, closing: {}", hello.cgId(), target, cause.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.disconnected(ctx.channel());
        ctx.fireChannelInactive();
    }
}
