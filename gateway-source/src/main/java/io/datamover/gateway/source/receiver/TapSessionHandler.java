package io.datamover.gateway.source.receiver;

import io.datamover.gateway.source.CgIdentity;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Flush;
import io.datamover.protocol.Frame;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RepeatedWarnings;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.ErrorThenClose;
import io.datamover.protocol.netty.ListenerGuard;
import io.datamover.protocol.tls.AuthenticatedPeer;
import io.datamover.protocol.tls.HelloAuthorization;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.SocketException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tap connection, at the source gateway: HELLO first (authorized against the tap's certificate by
 * {@link HelloAuthorization}; role, revision, features; then the consistency group is looked up or created off the
 * event loop), then gap-free WRITE_RECORDs checked against the declared disks
 * and handed to the group's {@link JournalWriter}. Acks and refusals come back from the writer's thread as
 * {@link TapLink} calls. Only moves frames and checks them; never touches the disk.
 */
public final class TapSessionHandler extends SimpleChannelInboundHandler<Frame> implements TapLink {
    private static final Logger LOG = LoggerFactory.getLogger(TapSessionHandler.class);

    /** Finds, or creates on first contact, the journal of a tap's consistency group. */
    public interface Groups {
        /**
         * Completes with the group's writer once {@code hello}, authorized as {@code grant}, is accepted as its only
         * tap, or fails with a {@link ProtocolException} saying why not. Called on the event loop; must not block.
         */
        CompletableFuture<JournalWriter> attachTap(Hello hello, HelloAuthorization.Grant grant, TapLink tap);

        /** The tap's connection is gone; called once, after a successful {@link #attachTap}. */
        void tapDetached(Hello hello, TapLink tap);

        /** The connection of {@code hello}'s tap ends on an error, raised by either side; for status. */
        void tapError(Hello hello, String error);

        /** {@code hello}'s tap answered an online-verify request. */
        void verifyAnswered(Hello hello, VerifyAnswer answer);

        /** A SYNC_BEGIN or SYNC_END of {@code disk} was accepted from {@code hello}'s tap; for status. */
        void syncMarker(Hello hello, int disk, RecordKind kind);
    }

    private enum State { AWAITING_HELLO, ATTACHING, STREAMING, CLOSED }

    private final String gatewayId;
    private final HelloAuthorization authorization;
    private final Groups groups;
    private final ReceiverMetrics metrics;
    private final InstantSource clock;
    /** The gateway's, shared by every tap session: a tap refused at each reconnect is logged once a minute. */
    private final RepeatedWarnings warnings;
    private State state = State.AWAITING_HELLO;
    /** The epoch under which the group registry took this tap (set on an opening thread, before HELLO_ACK). */
    private volatile long leaderEpoch;
    private Channel channel;
    private Hello hello;
    private CgIdentity identity;
    private JournalWriter writer;
    private long expectedSeq;
    private volatile long lastAckedSeq;
    /** The tap agreed APPLIED_ACKS: it is told the target's applied seq. Set before the tap is attached. */
    private volatile boolean appliedAcks;
    /** Event loop only: the highest applied seq the shipper reported; sent once acknowledged DURABLE to the tap. */
    private long targetApplied;
    /** Event loop only: the highest APPLIED ack sent to the tap. */
    private long appliedSent;
    /** The tap's last HEARTBEAT said its operator paused replication. Written on the event loop. */
    private volatile boolean paused;

    public TapSessionHandler(String gatewayId, HelloAuthorization authorization, Groups groups,
            ReceiverMetrics metrics, InstantSource clock, RepeatedWarnings warnings) {
        super(Frame.class);
        this.warnings = warnings;
        this.gatewayId = gatewayId;
        this.authorization = authorization;
        this.groups = groups;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void leadsUnder(long epoch) {
        leaderEpoch = epoch;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
        switch (frame) {
            case Hello h when state == State.AWAITING_HELLO -> handshake(ctx, h);
            case WriteRecord r when state == State.STREAMING -> accept(ctx, r);
            case Flush f when state == State.STREAMING -> metrics.flushes.increment(); // group commit acks soon anyway
            case Heartbeat hb when state == State.STREAMING -> heartbeat(ctx, hb);
            case VerifyAnswer answer when state == State.STREAMING -> groups.verifyAnswered(hello, answer);
            case ErrorFrame error -> {
                metrics.peerError(error.code());
                reportError("tap said " + error.code() + ": " + error.message());
                LOG.warn("tap {} closed its connection with {}: {}", who(ctx), error.code(), error.message());
                ctx.close();
            }
            default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a tap "
                    + (state == State.STREAMING ? "" : "before HELLO_ACK"));
        }
    }

    private void handshake(ChannelHandlerContext ctx, Hello h) throws ProtocolException {
        ListenerGuard.helloReceived(ctx.pipeline());
        HelloAuthorization.Grant grant = authorization.authorize(ctx.channel(), h);
        if (h.role() != Role.TAP) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, h.senderId() + " says it is a " + h.role()
                    + "; this port takes taps");
        }
        Handshake.Agreement agreed = Handshake.negotiate(h, Feature.PAYLOAD_CRC.mask());
        appliedAcks = agreed.has(Feature.APPLIED_ACKS);
        hello = h;
        identity = CgIdentity.of(h);
        state = State.ATTACHING;
        groups.attachTap(h, grant, this)
                .thenCompose(w -> {
                    writer = w;
                    return w.attach(this);
                })
                .whenComplete((resumeSeq, failure) -> ctx.executor().execute(() -> {
                    if (failure != null) {
                        if (writer != null) {
                            groups.tapDetached(hello, this);
                            writer = null;
                        }
                        fail(ctx, failure instanceof CompletionException c ? c.getCause() : failure);
                    } else {
                        attached(ctx, agreed, resumeSeq);
                    }
                }));
    }

    private void attached(ChannelHandlerContext ctx, Handshake.Agreement agreed, long resumeSeq) {
        if (!ctx.channel().isActive()) {
            state = State.CLOSED;
            writer.detach(this);
            groups.tapDetached(hello, this);
            return;
        }
        state = State.STREAMING;
        expectedSeq = resumeSeq + 1;
        lastAckedSeq = resumeSeq;
        metrics.tapsConnected.increment();
        FrameDecoder.handshakeAccepted(ctx.pipeline());
        ListenerGuard.handshakeFinished(ctx.pipeline());
        LOG.info("tap {} ({}, certificate '{}') attached to cg {} ({}) of pair {}: journal holds up to seq {}",
                hello.senderId(), who(ctx), AuthenticatedPeer.of(ctx.channel()).subject(), identity.cgLabel(),
                hello.cgName(), hello.pairId(), resumeSeq);
        boolean tellEpoch = Feature.LEADER_EPOCH.in(hello.features()); // a request bit: read from the HELLO as sent
        ctx.writeAndFlush(new HelloAck(agreed.protocol(), agreed.features()
                | (tellEpoch ? Feature.LEADER_EPOCH.mask() : 0), Role.SOURCE_GATEWAY, gatewayId, resumeSeq,
                GenerationHistory.NONE, tellEpoch ? leaderEpoch : 0));
        sendApplied(); // what the target applied before this connection: the tap's bits of it may go
    }

    private void accept(ChannelHandlerContext ctx, WriteRecord r) throws ProtocolException {
        if (r.cg() != hello.cgId()) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "record of cg " + Integer.toUnsignedString(r.cg())
                    + " on the connection of cg " + identity.cgLabel());
        }
        if (r.seq() != expectedSeq) {
            throw new ProtocolException(ErrorCode.SEQ_GAP, "cg " + identity.cgLabel() + ": expected seq "
                    + expectedSeq + ", got " + r.seq());
        }
        DiskInfo disk = identity.disk(r.write().disk());
        if (disk == null) {
            throw new ProtocolException(ErrorCode.MALFORMED, "seq " + r.seq() + " names disk " + r.write().disk()
                    + ", which the HELLO did not declare");
        }
        if (r.write().endOffset() > disk.sizeBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED, "seq " + r.seq() + " writes [" + r.write().offset()
                    + ", " + r.write().endOffset() + ") past the end of disk " + disk.name() + " ("
                    + disk.sizeBytes() + " bytes)");
        }
        // The frame decoder has already checked the payload against the CRC the tap took.
        expectedSeq++;
        metrics.received(r.write().length());
        if (r.write().kind().isMarker()) {
            groups.syncMarker(hello, r.write().disk(), r.write().kind());
        }
        r.retain(); // the writer owns it from here; this handler releases the frame after this method
        if (!writer.append(r, this)) {
            ctx.channel().config().setAutoRead(false);
            metrics.readPauses.increment();
        }
    }

    /** Answers with this gateway's heartbeat; notes a pause or a resume the tap's operator made. */
    private void heartbeat(ChannelHandlerContext ctx, Heartbeat hb) {
        if (hb.tapPaused() != paused) {
            paused = hb.tapPaused();
            LOG.info("tap {} of cg {}: replication {} by its operator{}", hello.senderId(), identity.cgLabel(),
                    paused ? "PAUSED" : "resumed", paused ? " (its writes are kept as dirty regions at the tap)" : "");
        }
        ctx.writeAndFlush(new Heartbeat(nowMicros(), lastAckedSeq), ctx.voidPromise());
    }

    @Override
    public boolean paused() {
        return paused;
    }

    @Override
    public void acknowledgeDurable(long seq) {
        lastAckedSeq = seq;
        channel.writeAndFlush(new Ack(hello.cgId(), seq, AckScope.DURABLE), channel.voidPromise());
        if (appliedAcks) {
            channel.eventLoop().execute(this::sendApplied); // the target may have applied it already
        }
    }

    @Override
    public void acknowledgeApplied(long seq) {
        channel.eventLoop().execute(() -> {
            targetApplied = Math.max(targetApplied, seq);
            sendApplied();
        });
    }

    /**
     * Event loop: tells the tap what the target applied, capped at what the tap was acknowledged DURABLE (the target's
     * seq may run ahead of this connection: a record the journal got from an earlier tap run). Sent after each DURABLE
     * ack that uncovers more, so the tap's bits of applied writes never wait for the next batch.
     */
    private void sendApplied() {
        long seq = Math.min(targetApplied, lastAckedSeq);
        if (appliedAcks && state == State.STREAMING && seq > appliedSent && channel.isActive()) {
            appliedSent = seq;
            channel.writeAndFlush(new Ack(hello.cgId(), seq, AckScope.APPLIED), channel.voidPromise());
        }
    }

    @Override
    public void refuse(ProtocolException why) {
        channel.eventLoop().execute(() -> {
            if (channel.isActive()) {
                metrics.refused(why.code());
                reportError("refused the tap: " + why.getMessage());
                ErrorThenClose.send(channel, ErrorFrame.of(why));
            }
        });
    }

    @Override
    public void resyncRegions(ResyncRegions regions) {
        channel.eventLoop().execute(() -> {
            if (channel.isActive()) {
                channel.writeAndFlush(regions, channel.voidPromise());
            }
        });
    }

    @Override
    public boolean sendVerify(Frame request) {
        if (!channel.isActive()) {
            return false;
        }
        channel.writeAndFlush(request, channel.voidPromise());
        return true;
    }

    @Override
    public void resumeReading() {
        channel.config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(event);
        } else if (idle.state() == IdleState.WRITER_IDLE && state == State.STREAMING) {
            ctx.writeAndFlush(new Heartbeat(nowMicros(), lastAckedSeq), ctx.voidPromise());
        } else if (idle.state() == IdleState.READER_IDLE && state == State.STREAMING) {
            // Before its HELLO, the listener's HELLO timeout rules (ListenerGuard); while its group opens, the tap
            // waits for us.
            LOG.warn("tap {}: silent for too long, closing", who(ctx));
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SocketException && ctx.channel().isActive()) {
            // The tap went away (killed, host down, reset): an outage, not a fault of ours or a refusal.
            LOG.warn("tap {}: connection lost: {}", who(ctx), cause.getMessage());
            ctx.close();
            return;
        }
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ProtocolException p = ProtocolException.findIn(cause);
        ErrorFrame error = p != null ? ErrorFrame.of(p) : ErrorFrame.of(ErrorCode.INTERNAL, String.valueOf(cause));
        metrics.refused(error.code());
        if (error.code() != ErrorCode.UNAUTHORIZED) {
            // A peer the group's pair does not authorize is no tap of that group: its refusal is not the group's
            // status (the log line and the metric have it).
            reportError("refused the tap: " + error.message());
        }
        if (p == null) {
            LOG.error("tap {}: internal error, closing", who(ctx), cause);
        } else {
            String repeats = warnings.admit(RepeatedWarnings.peerKey(AuthenticatedPeer.subjectOf(ctx.channel()),
                    hello == null ? null : hello.senderId(), ctx.channel().remoteAddress(), error.code()));
            if (repeats != null) {
                LOG.warn("tap {}: {}, closing: {}{}", who(ctx), error.code(), p.logMessage(), repeats);
            }
        }
        ErrorThenClose.send(ctx.channel(), error);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.STREAMING) {
            writer.detach(this);
            groups.tapDetached(hello, this);
            LOG.info("tap {} ({}) of cg {} disconnected at seq {}", hello.senderId(), who(ctx), identity.cgLabel(),
                    expectedSeq - 1);
        }
        state = State.CLOSED;
        ctx.fireChannelInactive();
    }

    /** Tells the group, once the HELLO named one, why its tap's connection ends. */
    private void reportError(String error) {
        if (hello != null) {
            groups.tapError(hello, error);
        }
    }

    private static String who(ChannelHandlerContext ctx) {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    private long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
    }
}
