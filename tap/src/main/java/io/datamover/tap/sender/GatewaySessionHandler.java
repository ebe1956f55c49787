package io.datamover.tap.sender;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.datamover.tap.sender.SenderMetrics.ErrorOrigin;
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
 * One connection to the gateway, from the tap's side: opens with HELLO, requires HELLO_ACK before
 * anything else, then passes acks on, sends heartbeats when idle and closes on silence, on an ERROR
 * from the gateway and on any protocol violation (after telling the gateway why). Only moves frames;
 * the decisions about the stream are the {@link SessionEvents}' to make.
 */
final class GatewaySessionHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySessionHandler.class);

    private final Hello hello;
    private final String gateway;
    private final long readIdleTimeoutMs;
    private final SessionEvents events;
    private final SenderMetrics metrics;
    private final InstantSource clock;
    private boolean handshaken;

    GatewaySessionHandler(SenderConfig config, SessionEvents events, SenderMetrics metrics, InstantSource clock) {
        super(Frame.class);
        this.hello = config.hello();
        this.gateway = config.gatewayHost() + ":" + config.gatewayPort();
        this.readIdleTimeoutMs = config.readIdleTimeoutMs();
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(hello, ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
        switch (frame) {
            case HelloAck ack when !handshaken -> {
                checkAgreement(ack);
                handshaken = true;
                events.handshaken(ctx.channel(), ack);
            }
            case Ack ack when handshaken -> events.acknowledged(ack);
            case Heartbeat ignored when handshaken -> {
                // Liveness only: the idle handler has seen the read.
            }
            case ErrorFrame error -> {
                metrics.protocolError(error.code(), ErrorOrigin.PEER);
                LOG.warn("cg {}: gateway {} closed the connection with {}: {}", hello.cgId(), gateway, error.code(),
                        error.message());
                events.refused(error.code());
                ctx.close();
            }
            default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a "
                    + "gateway" + (handshaken ? "" : " before HELLO_ACK"));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(event);
        } else if (idle.state() == IdleState.WRITER_IDLE && handshaken) {
            long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
            ctx.writeAndFlush(new Heartbeat(nowMicros, events.lastSentSeq()), ctx.voidPromise());
        } else if (idle.state() == IdleState.READER_IDLE) {
            LOG.warn("cg {}: nothing from gateway {} for {} ms{}: taking it for dead, closing", hello.cgId(),
                    gateway, readIdleTimeoutMs, handshaken ? "" : " (no HELLO_ACK)");
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            // Writes that raced with a close fail here too; the close itself was already reported.
            return;
        }
        ProtocolException violation = ProtocolException.findIn(cause);
        if (violation != null) {
            metrics.protocolError(violation.code(), ErrorOrigin.LOCAL);
            LOG.warn("cg {}: protocol violation by gateway {}, closing: {}", hello.cgId(), gateway,
                    violation.getMessage());
            ctx.writeAndFlush(ErrorFrame.of(violation)).addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.warn("cg {}: connection to gateway {} failed, closing: {}", hello.cgId(), gateway, cause.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.disconnected(ctx.channel());
        ctx.fireChannelInactive();
    }

    /** The client's half of the negotiation, and the payload CRCs every record carries. */
    private void checkAgreement(HelloAck ack) throws ProtocolException {
        Handshake.checkAccepted(hello, ack, Role.SOURCE_GATEWAY);
        if (!Feature.PAYLOAD_CRC.in(ack.features())) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "gateway " + ack.receiverId()
                    + " does not check payload CRCs (feature PAYLOAD_CRC), which every record carries");
        }
    }
}
