package io.datamover.gateway.target;

import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.protocol.Batch;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Frame;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RepeatedWarnings;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRequest;
import io.datamover.protocol.netty.FlushCoalescer;
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
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source gateway's connection: HELLO first (authorized against the source's certificate by
 * {@link HelloAuthorization}; role, pair, protocol checked here; the group's replicas and the
 * resume seq decided by the group), then BATCHes handed to the group's spool writer, HEARTBEATs both ways. Reading
 * pauses while the group's spool budget is full. Any violation, here or found by the group, is answered with an
 * ERROR and the connection closed. Only moves frames: every decision about seqs and storage is the group's.
 */
final class SourceSession extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(SourceSession.class);

    /** Where a session finds its group; opening one is disk I/O, so the answer comes later. */
    interface Groups {
        /** {@code grant}: the peer its certificate proved, to match with the group's pair once it is found. */
        CompletableFuture<Attachment> attach(SourceSession session, ReplicaSetConfig asked, Hello hello,
                HelloAuthorization.Grant grant);
    }

    /**
     * A session attached to {@code group}; the source resumes after {@code resumeSeq}; the replicas' history; what the
     * resync after a discard of the replicas' data must cover, sent after the HELLO_ACK (null when none is owed).
     */
    record Attachment(ConsistencyGroupTarget group, long resumeSeq, GenerationHistory generations,
            ResyncRegions discarded) {}

    private enum Phase { AWAITING_HELLO, ATTACHING, STREAMING }

    /** Verify requests of this connection at once; a source gateway asks one at a time. */
    static final int MAX_VERIFYING = 4;
    /** How long a verify request waits for the replicas to apply its seq. */
    static final Duration VERIFY_SEQ_WAIT = Duration.ofSeconds(60);

    private final Groups groups;
    private final HelloAuthorization authorization;
    private final TargetGatewayConfig config;
    private final TargetMetrics metrics;
    private final InstantSource clock;
    /** The gateway's, shared by every session: a source refused at each reconnect is logged once a minute. */
    private final RepeatedWarnings warnings;
    private Channel channel;
    /** Event loop only. */
    private Phase phase = Phase.AWAITING_HELLO;
    private ConsistencyGroupTarget group;
    private String peer = "?";
    /** The HELLO's sender id; null before it. Event loop only. */
    private String senderId;
    private boolean errorSent;
    private boolean lz4Agreed;
    private final AtomicInteger verifying = new AtomicInteger();
    /** Set by the first failure, from any thread; later work of this session is dropped. */
    private volatile boolean failed;

    SourceSession(Groups groups, HelloAuthorization authorization, TargetGatewayConfig config, TargetMetrics metrics,
            InstantSource clock, RepeatedWarnings warnings) {
        super(Frame.class);
        this.warnings = warnings;
        this.groups = groups;
        this.authorization = authorization;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
        switch (frame) {
            case Hello hello when phase == Phase.AWAITING_HELLO -> handshake(ctx, hello);
            case Batch batch when phase == Phase.STREAMING -> {
                if (failed) {
                    return;
                }
                if (batch.compression() == Compression.LZ4 && !lz4Agreed) {
                    throw new ProtocolException(ErrorCode.INCOMPATIBLE, "batch [" + batch.firstSeq() + ", "
                            + batch.lastSeq() + "] is LZ4-compressed but LZ4_BATCHES was not agreed in the handshake");
                }
                if (!group.receive(this, (Batch) batch.retain())) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
            case Heartbeat heartbeat when phase == Phase.STREAMING -> {
                group.sourceHeard(heartbeat.lastSeq());
                sendHeartbeat(ctx);
            }
            case VerifyRequest request when phase == Phase.STREAMING -> verify(request);
            case ErrorFrame error -> {
                LOG.warn("source {} closed the connection with {}: {}", peer, error.code(), error.message());
                ctx.close();
            }
            default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected from a "
                    + "source gateway" + (phase == Phase.STREAMING ? "" : " before HELLO_ACK"));
        }
    }

    /**
     * Online verify: answers with the replica's digests once the group applied the request's seq (docs/operations.md,
     * "Online verify"); at most {@value #MAX_VERIFYING} requests at once, more are refused.
     */
    private void verify(VerifyRequest request) throws ProtocolException {
        if (request.cg() != group.cgId()) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "VERIFY_REQUEST of cg "
                    + Integer.toUnsignedString(request.cg()) + " on the connection of cg "
                    + Integer.toUnsignedString(group.cgId()));
        }
        if (verifying.incrementAndGet() > MAX_VERIFYING) {
            verifying.decrementAndGet();
            send(VerifyAnswer.refusing(request, "the target gateway answers " + MAX_VERIFYING
                    + " verify requests of this group at once"));
            return;
        }
        group.verify(request, VERIFY_SEQ_WAIT).thenAccept(answer -> {
            verifying.decrementAndGet();
            if (channel.isActive()) {
                send(answer);
            }
        });
    }

    private void handshake(ChannelHandlerContext ctx, Hello hello) throws ProtocolException {
        ListenerGuard.helloReceived(ctx.pipeline());
        peer = hello.senderId() + " (" + ctx.channel().remoteAddress() + ")";
        senderId = hello.senderId();
        HelloAuthorization.Grant grant = authorization.authorize(ctx.channel(), hello);
        if (hello.role() != Role.SOURCE_GATEWAY) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + hello.senderId() + " says it is a "
                    + hello.role() + "; a target gateway serves SOURCE_GATEWAY peers only");
        }
        if (config.pairId().isPresent() && !config.pairId().get().equals(hello.pairId())) {
            throw new ProtocolException(ErrorCode.WRONG_PAIR, "pair '" + hello.pairId() + "' of source "
                    + hello.senderId() + " is not served by this target gateway", "this target gateway serves pair '"
                    + config.pairId().get() + "'");
        }
        Handshake.Agreement agreed = Handshake.negotiate(hello, Feature.PAYLOAD_CRC.mask());
        ReplicaSetConfig asked;
        try {
            asked = config.replicaSet(hello.pairId(), hello.cgId(), hello.disks(), provisioning(hello));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.MALFORMED, "consistency group " + hello.cgName() + ": "
                    + e.getMessage());
        }
        phase = Phase.ATTACHING;
        groups.attach(this, asked, hello, grant).whenComplete((attachment, error) -> ctx.executor().execute(
                () -> attached(ctx, hello, agreed, attachment, error)));
    }

    /** Thick when the source asks for it (its disks are on NFS), else as configured. */
    private Provisioning provisioning(Hello hello) {
        return Feature.THICK_REPLICA.in(hello.features()) ? Provisioning.THICK : config.provisioning();
    }

    private void attached(ChannelHandlerContext ctx, Hello hello, Handshake.Agreement agreed, Attachment attachment,
            Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            ProtocolException refusal = ProtocolException.findIn(cause);
            fail(refusal != null ? refusal : new ProtocolException(ErrorCode.INTERNAL,
                    "cannot open consistency group " + hello.cgName() + ": " + cause));
            return;
        }
        if (!ctx.channel().isActive()) {
            attachment.group().detach(this);
            return;
        }
        group = attachment.group();
        lz4Agreed = agreed.has(Feature.LZ4_BATCHES);
        phase = Phase.STREAMING;
        FrameDecoder.handshakeAccepted(ctx.pipeline());
        ListenerGuard.handshakeFinished(ctx.pipeline());
        ctx.writeAndFlush(new HelloAck(agreed.protocol(), agreed.features(), Role.TARGET_GATEWAY,
                config.receiverId(), attachment.resumeSeq(), attachment.generations()), ctx.voidPromise());
        if (attachment.discarded() != null) {
            ctx.writeAndFlush(attachment.discarded(), ctx.voidPromise());
        }
        LOG.info("source {} (pair {}, certificate '{}') streams consistency group {} '{}' ({} disks), resuming after "
                + "seq {}", peer, hello.pairId(), AuthenticatedPeer.of(ctx.channel()).subject(),
                Integer.toUnsignedString(hello.cgId()), hello.cgName(), hello.disks().size(), attachment.resumeSeq());
    }

    private void sendHeartbeat(ChannelHandlerContext ctx) {
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
        ctx.writeAndFlush(new Heartbeat(nowMicros, group.appliedSeq()), ctx.voidPromise());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(event);
        } else if (idle.state() == IdleState.WRITER_IDLE && phase == Phase.STREAMING) {
            sendHeartbeat(ctx);
        } else if (idle.state() == IdleState.READER_IDLE && ctx.channel().config().isAutoRead()
                && phase == Phase.STREAMING) {
            // While reading is paused for the spool, or the group opens, silence is ours, not the source's; before
            // its HELLO, the listener's HELLO timeout rules (ListenerGuard).
            LOG.warn("nothing from source {} for {} ms: taking it for dead, closing", peer, config.idleTimeoutMs());
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return; // writes that raced with a close fail here too; the close was already reported
        }
        ProtocolException violation = ProtocolException.findIn(cause);
        if (violation != null) {
            fail(violation);
        } else {
            LOG.warn("connection from source {} failed, closing: {}", peer, cause.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (group != null) {
            group.detach(this);
            LOG.info("source {} disconnected from consistency group {}", peer, Integer.toUnsignedString(group.cgId()));
        }
        ctx.fireChannelInactive();
    }

    /** Sends {@code frame} from any thread, sharing flushes. */
    void send(Frame frame) {
        FlushCoalescer.write(channel, frame, channel.voidPromise());
    }

    /** Reports {@code error} to the source and closes, from any thread; only the first failure is sent. */
    void fail(ProtocolException error) {
        failed = true;
        channel.eventLoop().execute(() -> {
            if (!channel.isActive() || errorSent) {
                return;
            }
            errorSent = true;
            metrics.rejected(error.code());
            String repeats = warnings.admit(RepeatedWarnings.peerKey(AuthenticatedPeer.subjectOf(channel), senderId,
                    channel.remoteAddress(), error.code()));
            if (repeats != null) {
                LOG.warn("closing source {}: {}{}", peer, error.logMessage(), repeats);
            }
            ErrorThenClose.send(channel, ErrorFrame.of(error));
        });
    }

    /** Resumes reading once the group's budget has room again (any thread). */
    void resumeIfRoom() {
        channel.eventLoop().execute(() -> {
            if (!channel.config().isAutoRead() && group != null && !group.budget().full() && !failed) {
                channel.config().setAutoRead(true);
            }
        });
    }

    boolean failed() {
        return failed;
    }

    boolean isActive() {
        return channel.isActive();
    }

    SocketAddress remote() {
        return channel.remoteAddress();
    }
}
