package io.datamover.gateway.source.ship;

import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
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
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the target gateway: a Netty server on loopback built on the protocol module's
 * codecs. It answers HELLO with its resume seq (or WRONG_PAIR on request), opens every batch with
 * {@link BatchBodies#open}, requires each to start right after what it holds, keeps the entries
 * (payloads copied) and acknowledges DURABLE, then APPLIED, up to a configurable limit. It can be
 * stopped and restarted on the same port, keeping what it holds up to a chosen seq.
 */
public final class TestTarget implements AutoCloseable {
    /** One entry as received. */
    record Entry(long seq, int disk, long offset, int length, io.datamover.protocol.RecordKind kind, byte[] payload) {}

    /** One batch as received. */
    record Received(long firstSeq, long lastSeq, int entryCount, Compression compression, long oldestMicros) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Entry> entries = new ArrayList<>();
    private final List<Received> batches = new CopyOnWriteArrayList<>();
    private final List<Long> helloNanos = new CopyOnWriteArrayList<>();
    private final List<Hello> hellos = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<ErrorFrame> errorsReceived = new CopyOnWriteArrayList<>();
    private final AtomicInteger heartbeats = new AtomicInteger();
    private final AtomicInteger connectionsToStall = new AtomicInteger();
    private final List<Long> swallowedNanos = new CopyOnWriteArrayList<>();
    private volatile boolean refuseWrongPair;
    private volatile boolean damageNextAck;
    private volatile long ackLimitSeq = Long.MAX_VALUE;
    private volatile long appliedLimitSeq = Long.MAX_VALUE;
    private volatile long heldSeq;
    private volatile long ackedSeq;
    private volatile Channel server;
    private int port;

    public static TestTarget start() throws InterruptedException {
        TestTarget target = new TestTarget();
        target.listen(0);
        return target;
    }

    public int port() {
        return port;
    }

    /** Answer every HELLO with ERROR(WRONG_PAIR). */
    void refuseWrongPair(boolean refuse) {
        refuseWrongPair = refuse;
    }

    /**
     * Sends the next ack as a header whose length field was damaged on the wire (60000 bytes, inside the bound):
     * the bytes after it, heartbeats and acks, read as that frame's payload until it is whole.
     */
    void damageNextAck() {
        damageNextAck = true;
    }

    /**
     * The next {@code connections} handshaken connections drop every batch unread and never ack, but keep answering
     * heartbeats: what a receiver does whose frame decoder swallows the stream into a frame whose length field was
     * damaged on the wire (inside the bound).
     */
    void stallConnections(int connections) {
        connectionsToStall.set(connections);
    }

    /** When each batch dropped by a stalled connection arrived ({@link System#nanoTime()}). */
    List<Long> swallowedNanos() {
        return List.copyOf(swallowedNanos);
    }

    /** Hold batches past this seq without acknowledging them (as if not yet synced). */
    void ackLimitSeq(long seq) {
        ackLimitSeq = seq;
    }

    /** Acknowledge APPLIED no batch past this seq (spooled, as if not yet applied); DURABLE as before. */
    void appliedLimitSeq(long seq) {
        appliedLimitSeq = seq;
    }

    /** Stops listening and drops every connection. */
    void stop() {
        Channel s = server;
        if (s != null) {
            s.close().syncUninterruptibly();
            server = null;
        }
        connections.close().syncUninterruptibly();
    }

    /** While stopped: a stranger wrote seqs into the replica up to {@code seq}, beyond what its source holds. */
    void strangerWroteThrough(long seq) {
        synchronized (entries) {
            heldSeq = seq;
        }
    }

    /** Every HELLO received, in order. */
    public List<Hello> hellos() {
        return List.copyOf(hellos);
    }

    /** Comes back on the same port holding what it had up to {@code keepThroughSeq} (the rest was never synced). */
    void restart(long keepThroughSeq) throws InterruptedException {
        synchronized (entries) {
            entries.removeIf(e -> e.seq() > keepThroughSeq);
            heldSeq = Math.min(heldSeq, keepThroughSeq);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                listen(port);
                return;
            } catch (Exception e) {
                // A reconnecting client may briefly hold the port as its own source port (a loopback self-connect).
                if (!(e instanceof BindException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    List<Received> batches() {
        return List.copyOf(batches);
    }

    long heldSeq() {
        return heldSeq;
    }

    public long ackedSeq() {
        return ackedSeq;
    }

    List<Long> helloNanos() {
        return List.copyOf(helloNanos);
    }

    int heartbeats() {
        return heartbeats.get();
    }

    int openConnections() {
        return connections.size();
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    List<ErrorFrame> errorsReceived() {
        return List.copyOf(errorsReceived);
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
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(), new Session());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", requestedPort))
                .sync()
                .channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** One shipper connection: HELLO first, then batches that continue what is held. */
    private final class Session extends SimpleChannelInboundHandler<Frame> {
        private Hello hello;
        private boolean stalled;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
            switch (frame) {
                case Hello h when hello == null -> answer(ctx, h);
                case Batch b when hello != null -> receive(ctx, b);
                case Heartbeat ignored when hello != null -> {
                    heartbeats.incrementAndGet();
                    ctx.writeAndFlush(new Heartbeat(0, ackedSeq)); // its applied seq, as a target gateway's
                }
                case ErrorFrame e -> {
                    errorsReceived.add(e);
                    ctx.close();
                }
                default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected here");
            }
        }

        private void answer(ChannelHandlerContext ctx, Hello h) throws ProtocolException {
            helloNanos.add(System.nanoTime());
            hellos.add(h);
            if (h.role() != Role.SOURCE_GATEWAY) {
                throw new ProtocolException(ErrorCode.INCOMPATIBLE, "expected a SOURCE_GATEWAY, got " + h.role());
            }
            if (refuseWrongPair) {
                ctx.writeAndFlush(ErrorFrame.of(ErrorCode.WRONG_PAIR, "test target refuses pair " + h.pairId()))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            hello = h;
            stalled = connectionsToStall.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            Handshake.Agreement agreed = Handshake.negotiate(h, 0);
            // As a target that takes the source's generation history (docs/protocol.md, "Generations").
            ctx.writeAndFlush(new HelloAck(agreed.protocol(), agreed.features(), Role.TARGET_GATEWAY, "test-target",
                    heldSeq, h.generations()));
        }

        private void receive(ChannelHandlerContext ctx, Batch batch) throws ProtocolException {
            if (stalled) {
                swallowedNanos.add(System.nanoTime());
                return;
            }
            if (batch.cg() != hello.cgId()) {
                throw new ProtocolException(ErrorCode.WRONG_PAIR, "batch of cg " + batch.cg());
            }
            if (batch.lastSeq() <= heldSeq) {
                ack(ctx, batch.lastSeq());
                return;
            }
            if (batch.firstSeq() != heldSeq + 1) {
                throw new ProtocolException(ErrorCode.SEQ_GAP, "batch [" + batch.firstSeq() + ", " + batch.lastSeq()
                        + "] after seq " + heldSeq);
            }
            List<BlockWrite> opened = BatchBodies.open(batch, FrameLimits.DEFAULT, ctx.alloc());
            try {
                List<Entry> received = new ArrayList<>(opened.size());
                for (BlockWrite w : opened) {
                    if (!w.payloadCrcMatches() || hello.disk(w.disk()) == null) {
                        throw new ProtocolException(ErrorCode.CRC_MISMATCH, "entry " + w.seq() + " is damaged");
                    }
                    received.add(new Entry(w.seq(), w.disk(), w.offset(), w.length(), w.kind(),
                            ByteBufUtil.getBytes(w.payload())));
                }
                synchronized (entries) {
                    entries.addAll(received);
                    heldSeq = batch.lastSeq();
                }
            } finally {
                opened.forEach(BlockWrite::release);
            }
            batches.add(new Received(batch.firstSeq(), batch.lastSeq(), batch.entryCount(), batch.compression(),
                    batch.oldestTimestampMicros()));
            ack(ctx, batch.lastSeq());
        }

        private void ack(ChannelHandlerContext ctx, long seq) {
            long acked = Math.min(seq, ackLimitSeq);
            if (acked > 0 && acked <= heldSeq && damageNextAck) {
                damageNextAck = false;
                ctx.writeAndFlush(ctx.alloc().buffer(16).writeInt(0x444D5652).writeByte(1).writeByte(5).writeShort(0)
                        .writeInt(60_000).writeInt(0));
            } else if (acked > 0 && acked <= heldSeq) {
                ackedSeq = Math.max(ackedSeq, acked);
                ctx.write(new Ack(hello.cgId(), acked, AckScope.DURABLE));
                long applied = Math.min(acked, appliedLimitSeq);
                if (applied > 0) {
                    ctx.write(new Ack(hello.cgId(), applied, AckScope.APPLIED));
                }
                ctx.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ProtocolException p = ProtocolException.findIn(cause);
            if (p == null) {
                ctx.close();
                return;
            }
            violations.add(p.getMessage());
            ctx.writeAndFlush(ErrorFrame.of(p)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
