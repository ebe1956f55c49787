package io.datamover.protocol.netty;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRepair;
import io.datamover.protocol.VerifyRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connecting side of one connection (tap to source gateway, source to target gateway): opens with HELLO,
 * requires a HELLO_ACK from the expected role that picks from what was offered, then passes acks on, sends
 * heartbeats when idle, and closes on silence, on an ERROR from the peer, on any protocol violation (after
 * telling the peer why) and when acks stop while something waits for one ({@link LinkSettings#ackTimeoutMs()}:
 * a peer that heartbeats but swallows the stream, e.g. into a frame whose length was damaged on the wire; the
 * reconnect sends again what is unacknowledged). Moves frames only; what a handshake or an ack means is the
 * subclass's to decide.
 * Needs an {@code IdleStateHandler} (reader timeout, writer heartbeat interval) in front of it.
 */
public abstract class ClientSessionHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSessionHandler.class);

    private final Hello hello;
    private final Role expectedRole;
    private final String peer;
    private final long readIdleTimeoutMs;
    private final InstantSource clock;
    private final BiConsumer<ErrorCode, ErrorOrigin> errors;
    private final long ackTimeoutMs;
    private AckWatchdog ackWatchdog;
    private boolean handshaken;
    /** The HELLO this connection opened with. */
    private Hello sent;

    /**
     * @param peer how logs name the peer, e.g. {@code "gateway 10.0.0.5:7000"}
     * @param errors counts protocol errors by code and by who detected them
     */
    protected ClientSessionHandler(Hello hello, Role expectedRole, String peer, LinkSettings link,
            InstantSource clock, BiConsumer<ErrorCode, ErrorOrigin> errors) {
        super(Frame.class);
        this.hello = hello;
        this.expectedRole = expectedRole;
        this.peer = peer;
        this.readIdleTimeoutMs = link.readIdleTimeoutMs();
        this.clock = clock;
        this.errors = errors;
        this.ackTimeoutMs = link.ackTimeoutMs();
    }

    /** The peer accepted the handshake on {@code channel}; throw to refuse what it agreed to. */
    protected abstract void handshaken(Channel channel, HelloAck ack, Handshake.Agreement agreement)
            throws ProtocolException;

    /** The peer acknowledged; throw when the ack is impossible. */
    protected abstract void acknowledged(Ack ack) throws ProtocolException;

    /** Highest seq sent so far, for heartbeats. */
    protected abstract long lastSentSeq();

    /** {@code channel} is closed, whatever the reason. */
    protected abstract void disconnected(Channel channel);

    /** Bytes sent on this connection that wait for an ack (0: none); read on the event loop. */
    protected abstract long unacknowledgedBytes();

    /** Acks stopped for the ack timeout while bytes waited; the connection closes next. For the metric. */
    protected abstract void ackTimedOut();

    /** The peer's heartbeat, saying how far it has got ({@link Heartbeat#lastSeq()}); liveness only by default. */
    protected void heartbeat(Heartbeat heartbeat) {
    }

    /** The peer closed the connection with an ERROR of this code. */
    protected void refused(ErrorCode code) {
    }

    /** The peer closed the connection with {@code error}; {@link #refused(ErrorCode)} by default. */
    protected void refused(ErrorFrame error) {
        refused(error.code());
    }

    /** The HELLO to open a new connection with: the one given at construction unless a subclass says more. */
    protected Hello helloToSend() {
        return hello;
    }

    /**
     * The peer's RESYNC_REGIONS ({@code handshaken}: after its HELLO_ACK, else in answer to the HELLO, before an ERROR).
     * Refused unless the subclass takes it.
     */
    protected void resyncRegions(ResyncRegions regions, boolean handshaken) throws ProtocolException {
        throw new ProtocolException(ErrorCode.MALFORMED, "RESYNC_REGIONS is not expected from a " + expectedRole);
    }

    /**
     * The peer's online-verify frame after HELLO_ACK: a VERIFY_REQUEST or VERIFY_REPAIR to answer on {@code channel},
     * or a VERIFY_ANSWER. Refused unless the subclass takes it.
     */
    protected void verify(Channel channel, Frame frame) throws ProtocolException {
        throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a " + expectedRole);
    }

    /** The HELLO this connection opened with (null before it is active). */
    protected Hello sentHello() {
        return sent;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sent = helloToSend();
        ctx.writeAndFlush(sent, ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
        switch (frame) {
            case HelloAck ack when !handshaken -> {
                Handshake.Agreement agreement = Handshake.checkAccepted(sent, ack, expectedRole);
                handshaken = true;
                FrameDecoder.handshakeAccepted(ctx.pipeline());
                handshaken(ctx.channel(), ack, agreement);
                if (ctx.channel().isActive()) { // else closed by the subclass: channelInactive may have run
                    ackWatchdog = new AckWatchdog(ackTimeoutMs, this::unacknowledgedBytes, () -> acksStopped(ctx));
                    ackWatchdog.start(ctx.executor());
                }
            }
            case Ack ack when handshaken -> {
                if (ackWatchdog != null) {
                    ackWatchdog.acknowledged();
                }
                acknowledged(ack);
            }
            case Heartbeat heartbeat when handshaken -> heartbeat(heartbeat); // the idle handler has seen the read
            case ResyncRegions regions -> resyncRegions(regions, handshaken);
            case VerifyRequest request when handshaken -> verify(ctx.channel(), request);
            case VerifyRepair repair when handshaken -> verify(ctx.channel(), repair);
            case VerifyAnswer answer when handshaken -> verify(ctx.channel(), answer);
            case ErrorFrame error -> {
                errors.accept(error.code(), ErrorOrigin.PEER);
                LOG.warn("cg {}: {} closed the connection with {}: {}{}", hello.cgId(), peer, error.code(),
                        error.message(), error.leader().isEmpty() ? "" : " (the leader: " + error.leader() + ")");
                redirect(ctx, error);
                refused(error);
                ctx.close();
            }
            default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a "
                    + expectedRole + (handshaken ? "" : " before HELLO_ACK"));
        }
    }

    /** A NOT_LEADER that names the leader: the next connection goes there (when a ReconnectingClient owns this one). */
    private void redirect(ChannelHandlerContext ctx, ErrorFrame error) {
        if (error.leader().isEmpty()) {
            return;
        }
        try {
            ReconnectingClient.redirect(ctx.channel(), PeerAddress.parse(error.leader()));
        } catch (IllegalArgumentException e) {
            LOG.warn("cg {}: {} named a leader that is no address, not followed: {}", hello.cgId(), peer,
                    e.getMessage());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(event);
        } else if (idle.state() == IdleState.WRITER_IDLE && handshaken) {
            long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
            ctx.writeAndFlush(new Heartbeat(nowMicros, lastSentSeq()), ctx.voidPromise());
        } else if (idle.state() == IdleState.READER_IDLE) {
            LOG.warn("cg {}: nothing from {} for {} ms{}: taking it for dead, closing", hello.cgId(), peer,
                    readIdleTimeoutMs, handshaken ? "" : " (no HELLO_ACK)");
            ctx.close();
        }
    }

    private void acksStopped(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ackTimedOut();
        LOG.warn("cg {}: no ack from {} for {} ms while {} bytes wait for one (it heartbeats, but the stream does not"
                + " move: a frame damaged on the wire?): closing to reconnect and send them again", hello.cgId(),
                peer, ackTimeoutMs, unacknowledgedBytes());
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return; // a write that raced with a close; the close was reported already
        }
        ProtocolException violation = ProtocolException.findIn(cause);
        if (violation != null) {
            errors.accept(violation.code(), ErrorOrigin.LOCAL);
            LOG.warn("cg {}: protocol violation by {}, closing: {}", hello.cgId(), peer, violation.getMessage());
            ctx.writeAndFlush(ErrorFrame.of(violation)).addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.warn("cg {}: connection to {} failed, closing: {}", hello.cgId(), peer, cause.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ackWatchdog != null) {
            ackWatchdog.stop();
        }
        disconnected(ctx.channel());
        ctx.fireChannelInactive();
    }
}
