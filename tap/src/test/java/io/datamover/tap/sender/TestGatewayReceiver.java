package io.datamover.tap.sender;

import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Flush;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.FrameType;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.HostileFrames;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the source gateway's io receiver, for tests: a real Netty server on loopback that
 * speaks the protocol module's frames, answers HELLO (or misbehaves on purpose), checks seq
 * continuity and payload CRCs per connection, records what it receives (metadata only, no buffers
 * kept) and acknowledges DURABLE automatically after each read or on command. It can be stopped
 * and restarted on the same port. Thread-safe: the test thread commands, its event loop receives.
 */
public final class TestGatewayReceiver implements AutoCloseable {
    public static final String RECEIVER_ID = "test-gateway";

    /** How the receiver answers a HELLO. */
    public enum HelloReply {
        /** HELLO_ACK with the configured resume seq. */
        ACCEPT,
        /** An ERROR frame (WRONG_PAIR), then close. */
        ERROR,
        /** An ERROR frame NOT_LEADER, then close: a standby of the site's gateway group. */
        NOT_LEADER,
        /** Bytes that are not a frame. */
        GARBAGE,
        /** A frame header declaring 64 MiB, and nothing behind it. */
        OVERSIZED_HEADER,
        /** Nothing at all, and no heartbeats either: a hung gateway. */
        SILENT
    }

    /**
     * One record as received: where it went, whether its payload still matched its CRC, and a copy of
     * the payload when {@link #keepPayloads} is on (else null).
     */
    public record Received(int connection, long seq, int disk, long offset, int length, RecordKind kind,
            int payloadCrc, boolean crcMatches, boolean fua, byte[] payload) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Hello> hellos = new CopyOnWriteArrayList<>();
    private final List<Received> records = new CopyOnWriteArrayList<>();
    private final List<Flush> flushes = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<ErrorFrame> errorsReceived = new CopyOnWriteArrayList<>();
    private final AtomicInteger heartbeats = new AtomicInteger();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private volatile HelloReply helloReply = HelloReply.ACCEPT;
    private volatile String receiverId = RECEIVER_ID;
    private volatile boolean autoAck = true;
    private volatile boolean keepPayloads;
    private volatile long resumeSeq;
    private volatile boolean resumeFromAcknowledged;
    private volatile boolean appliedAcks;
    private volatile long epoch = -1;
    /** Highest seq acknowledged DURABLE on any connection: what a journal would hold. */
    private final java.util.concurrent.atomic.AtomicLong acknowledged = new java.util.concurrent.atomic.AtomicLong();
    private volatile Channel current;
    private volatile Channel server;
    private int port;

    private TestGatewayReceiver() {}

    /** A receiver listening on a free loopback port. */
    public static TestGatewayReceiver start() throws InterruptedException {
        TestGatewayReceiver receiver = new TestGatewayReceiver();
        receiver.listen(0);
        return receiver;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Stops listening and drops every connection; what was recorded stays. */
    public void stop() {
        Channel s = server;
        if (s != null) {
            s.close().syncUninterruptibly();
            server = null;
        }
        connections.close().syncUninterruptibly();
        current = null;
    }

    /** Listens again on the same port. */
    /**
     * Listens again on the same port. Retries for a few seconds: while the receiver was down, a
     * reconnecting sender on loopback can be given that very port as its own source port (a TCP
     * self-connect), which holds it until that bogus connection fails its handshake.
     */
    public void restart() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                listen(port);
                return;
            } catch (Exception e) {
                if (!(e instanceof java.net.BindException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** The id HELLO_ACK names this gateway by ({@link #RECEIVER_ID} by default): another gateway of a site. */
    public void receiverId(String id) {
        this.receiverId = id;
    }

    /** The epoch its HELLO_ACK names to a tap that asks (LEADER_EPOCH); negative: it does not tell (an older build). */
    public void epoch(long value) {
        epoch = value;
    }

    public void helloReply(HelloReply reply) {
        this.helloReply = reply;
    }

    /** Whether every read of records is followed by a DURABLE ack of the last one (default true). */
    /** Keep a copy of every DATA payload, so a test can replay the stream onto an image. */
    public void keepPayloads(boolean enabled) {
        keepPayloads = enabled;
    }

    public void autoAck(boolean enabled) {
        this.autoAck = enabled;
    }

    /** The seq HELLO_ACK reports as already durable. */
    public void resumeSeq(long seq) {
        this.resumeSeq = seq;
    }

    /**
     * Answers HELLO as a real gateway does: {@code resumeSeq} is the highest seq acknowledged DURABLE so far (what its
     * journal holds), and a connection's first record must be the one right after it (else SEQ_GAP).
     */
    public void resumeFromAcknowledged(boolean enabled) {
        this.resumeFromAcknowledged = enabled;
    }

    /**
     * As a gateway whose journal was replaced by an older copy that holds up to {@code seq}: with
     * {@link #resumeFromAcknowledged}, the next HELLO is answered with {@code seq}, below what it acknowledged.
     */
    public void forgetAfter(long seq) {
        acknowledged.set(seq);
    }

    /** Highest seq acknowledged DURABLE so far, on any connection. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /**
     * Whether HELLO_ACK agrees APPLIED_ACKS when the tap offers it (default false: a gateway that forwards no applied
     * seq, so DURABLE clears the tap's bits); with it, the test sends the APPLIED acks ({@link #ackApplied}).
     */
    public void appliedAcks(boolean enabled) {
        this.appliedAcks = enabled;
    }

    /** Acknowledges APPLIED up to {@code seq} on the current connection (its target applied them). */
    public void ackApplied(int cg, long seq) {
        send(new Ack(cg, seq, AckScope.APPLIED));
    }

    /** Acknowledges DURABLE up to {@code seq} on the current connection. */
    public void ackDurable(int cg, long seq) {
        acknowledged.accumulateAndGet(seq, Math::max);
        send(new Ack(cg, seq, AckScope.DURABLE));
    }

    /** Sends any frame on the current connection (a hostile gateway's ack, say). */
    public void send(Frame frame) {
        currentConnection().writeAndFlush(frame);
    }

    /** Sends ERROR on the current connection and closes it, as a gateway whose journal filled up would. */
    public void sendError(ErrorCode code, String message) {
        currentConnection().writeAndFlush(ErrorFrame.of(code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Stops or resumes reading from the current connection: a gateway that cannot keep up. */
    public void reading(boolean enabled) {
        currentConnection().config().setAutoRead(enabled);
    }

    /** Sends bytes that are not a frame on the current connection. */
    public void sendGarbage() {
        currentConnection().writeAndFlush(garbage());
    }

    public List<Hello> hellos() {
        return List.copyOf(hellos);
    }

    public List<Received> records() {
        return List.copyOf(records);
    }

    public List<Flush> flushes() {
        return List.copyOf(flushes);
    }

    /** Protocol violations this receiver detected in what it was sent (each closed a connection). */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** ERROR frames the sender sent before closing. */
    public List<ErrorFrame> errorsReceived() {
        return List.copyOf(errorsReceived);
    }

    public int heartbeats() {
        return heartbeats.get();
    }

    /** Connections accepted so far. */
    public int connectionCount() {
        return connectionCount.get();
    }

    public boolean hasConnection() {
        Channel c = current;
        return c != null && c.isActive();
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void listen(int requestedPort) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        current = ch;
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(),
                                new Session(connectionCount.incrementAndGet()));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", requestedPort))
                .sync()
                .channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    private Channel currentConnection() {
        Channel c = current;
        if (c == null || !c.isActive()) {
            throw new IllegalStateException("no connection to the test gateway");
        }
        return c;
    }

    private static io.netty.buffer.ByteBuf garbage() {
        return Unpooled.copiedBuffer("this is not a datamover frame, not even close", StandardCharsets.US_ASCII);
    }

    /** One sender's connection: HELLO first, then records in seq order. */
    private final class Session extends SimpleChannelInboundHandler<Frame> {
        private final int connection;
        private Hello hello;
        private long lastSeq = -1;
        private boolean unacked;

        Session(int connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
            switch (frame) {
                case Hello h when hello == null -> answer(ctx, h);
                case WriteRecord r when hello != null -> accept(r);
                case Flush f when hello != null -> flushes.add(f);
                case ErrorFrame e -> {
                    errorsReceived.add(e);
                    ctx.close();
                }
                case Heartbeat ignored when hello != null -> {
                    heartbeats.incrementAndGet();
                    if (helloReply != HelloReply.SILENT) {
                        ctx.writeAndFlush(new Heartbeat(0, Math.max(lastSeq, 0)));
                    }
                }
                default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected here");
            }
        }

        private void answer(ChannelHandlerContext ctx, Hello h) throws ProtocolException {
            hello = h;
            hellos.add(h);
            switch (helloReply) {
                case ACCEPT -> {
                    Handshake.Agreement agreed = Handshake.negotiate(h, Feature.PAYLOAD_CRC.mask());
                    long resume = resumeSeq;
                    if (resumeFromAcknowledged) {
                        resume = acknowledged.get();
                        lastSeq = resume; // the first record must follow it
                    }
                    long features = appliedAcks ? agreed.features()
                            : agreed.features() & ~Feature.APPLIED_ACKS.mask();
                    boolean tellEpoch = epoch >= 0 && Feature.LEADER_EPOCH.in(h.features());
                    ctx.writeAndFlush(new HelloAck(agreed.protocol(), features
                            | (tellEpoch ? Feature.LEADER_EPOCH.mask() : 0), Role.SOURCE_GATEWAY, receiverId, resume,
                            GenerationHistory.NONE, tellEpoch ? epoch : 0));
                }
                case ERROR -> ctx.writeAndFlush(ErrorFrame.of(ErrorCode.WRONG_PAIR, "test gateway refuses " + h.pairId()))
                        .addListener(ChannelFutureListener.CLOSE);
                case NOT_LEADER -> ctx.writeAndFlush(ErrorFrame.of(ErrorCode.NOT_LEADER, "test gateway is a standby"))
                        .addListener(ChannelFutureListener.CLOSE);
                case GARBAGE -> ctx.writeAndFlush(garbage());
                case OVERSIZED_HEADER ->
                        ctx.writeAndFlush(HostileFrames.headerDeclaring(FrameType.HELLO_ACK, 64L << 20));
                case SILENT -> { }
            }
        }

        private void accept(WriteRecord r) throws ProtocolException {
            if (lastSeq >= 0 && r.seq() != lastSeq + 1) {
                throw new ProtocolException(ErrorCode.SEQ_GAP, "expected seq " + (lastSeq + 1) + ", got " + r.seq());
            }
            if (hello.disk(r.write().disk()) == null) {
                throw new ProtocolException(ErrorCode.MALFORMED, "seq " + r.seq() + ": unknown disk " + r.write().disk());
            }
            lastSeq = r.seq();
            unacked = true;
            records.add(new Received(connection, r.seq(), r.write().disk(), r.write().offset(), r.write().length(),
                    r.write().kind(), r.write().payloadCrc(), r.write().payloadCrcMatches(), r.fua(),
                    keepPayloads ? io.netty.buffer.ByteBufUtil.getBytes(r.write().payload()) : null));
        }

        /** Group commit, as the gateway does it: one ack for everything a read brought. */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (autoAck && unacked) {
                acknowledged.accumulateAndGet(lastSeq, Math::max);
                ctx.writeAndFlush(new Ack(hello.cgId(), lastSeq, AckScope.DURABLE));
            }
            unacked = false;
            ctx.fireChannelReadComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ProtocolException p = ProtocolException.findIn(cause);
            if (p == null) {
                ctx.close(); // the sender went away (reset): not a violation
                return;
            }
            violations.add(p.getMessage());
            ctx.writeAndFlush(ErrorFrame.of(p)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
