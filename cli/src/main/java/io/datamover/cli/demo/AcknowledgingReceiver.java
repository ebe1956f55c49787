package io.datamover.cli.demo;

import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Flush;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for the source gateway until it exists (demo and benchmarks): accepts senders, checks
 * every frame, seq continuity and payload CRC, cuts the records into batches and compresses them as
 * the gateway will, and acknowledges every batch (256 records or 8 MiB of payload) and, when records trickle, every
 * {@link #ACK_INTERVAL_MS} ms. It keeps nothing: its acks promise no durability.
 */
public final class AcknowledgingReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgingReceiver.class);
    /** Records per simulated batch; the gateway will cut by time and size instead. */
    private static final int RECORDS_PER_BATCH = 256;
    /**
     * Payload bytes per simulated batch: 256 records of 1 MiB would be four times the tap's default 64 MiB window,
     * so large writes would wait for the timer and a short stall would fill the window.
     */
    private static final long PAYLOAD_BYTES_PER_BATCH = 8L << 20;
    static final long ACK_INTERVAL_MS = 20;

    final AtomicLong records = new AtomicLong();
    final AtomicLong payloadBytes = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong batchRawBytes = new AtomicLong();
    final AtomicLong batchWireBytes = new AtomicLong();
    final AtomicLong lastSeq = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    private final boolean simulateBatches;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    /**
     * @param simulateBatches cut into batches and LZ4-compress what arrives, as the gateway will (the demo
     *     shows the compression); off, only check and acknowledge, so the receiver costs little CPU in benchmarks
     */
    public AcknowledgingReceiver(InetSocketAddress listen, boolean simulateBatches) throws InterruptedException {
        this.simulateBatches = simulateBatches;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        FrameDecoder decoder = new FrameDecoder(FrameLimits.DEFAULT);
                        // Frames are checked and dropped here, never kept: no need to copy the socket's read
                        // buffers into one cumulation buffer first.
                        decoder.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
                        ch.pipeline().addLast(decoder, new FrameEncoder(), new Session());
                    }
                })
                .bind(listen)
                .sync()
                .channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One sender's connection: handshake first, then records in seq order. */
    private final class Session extends SimpleChannelInboundHandler<Frame> {
        private Hello hello;
        private long sessionSeq;
        private long ackedSeq;
        private int unackedRecords;
        private long unackedPayloadBytes;
        private final List<BlockWrite> pending = new ArrayList<>();
        private ScheduledFuture<?> ackTimer;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
            switch (frame) {
                case Hello h when hello == null -> {
                    Handshake.Agreement agreed = Handshake.negotiate(h, Feature.PAYLOAD_CRC.mask());
                    hello = h;
                    ctx.writeAndFlush(new HelloAck(agreed.protocol(), agreed.features(), Role.SOURCE_GATEWAY,
                            "ack-receiver", 0));
                    LOG.info("sender {} (pair {}, cg {}) connected from {}", h.senderId(), h.pairId(), h.cgId(),
                            ctx.channel().remoteAddress());
                    ackTimer = ctx.executor().scheduleAtFixedRate(() -> ackUpTo(ctx), ACK_INTERVAL_MS,
                            ACK_INTERVAL_MS, TimeUnit.MILLISECONDS);
                }
                case WriteRecord r when hello != null -> accept(ctx, r);
                case Flush f when hello != null -> ackUpTo(ctx);
                case Heartbeat hb when hello != null -> ctx.writeAndFlush(new Heartbeat(hb.sentAtMicros(), sessionSeq));
                default -> throw new ProtocolException(ErrorCode.MALFORMED, frame.type() + " is not expected here");
            }
        }

        private void accept(ChannelHandlerContext ctx, WriteRecord r) throws ProtocolException {
            if (sessionSeq != 0 && r.seq() != sessionSeq + 1) {
                throw new ProtocolException(ErrorCode.SEQ_GAP, "expected seq " + (sessionSeq + 1) + ", got " + r.seq());
            }
            // The frame decoder has already checked the payload against the CRC the tap took.
            if (hello.disk(r.write().disk()) == null) {
                throw new ProtocolException(ErrorCode.MALFORMED, "seq " + r.seq() + ": unknown disk " + r.write().disk());
            }
            sessionSeq = r.seq();
            lastSeq.set(r.seq());
            records.incrementAndGet();
            int bytes = r.write().payload().readableBytes();
            payloadBytes.addAndGet(bytes);
            if (simulateBatches) {
                pending.add((BlockWrite) r.write().retain());
            }
            unackedPayloadBytes += bytes;
            if (++unackedRecords == RECORDS_PER_BATCH || unackedPayloadBytes >= PAYLOAD_BYTES_PER_BATCH) {
                ackUpTo(ctx);
            }
        }

        /** Cuts what is pending into a batch and acknowledges everything received so far. */
        private void ackUpTo(ChannelHandlerContext ctx) {
            unackedRecords = 0;
            unackedPayloadBytes = 0;
            if (!pending.isEmpty()) {
                cutBatch();
            }
            if (sessionSeq > ackedSeq) {
                ackedSeq = sessionSeq;
                ctx.writeAndFlush(new Ack(hello.cgId(), sessionSeq, AckScope.DURABLE));
            }
        }

        private void cutBatch() {
            BatchBodies.Body body = BatchBodies.build(pending, true, ByteBufAllocator.DEFAULT);
            batches.incrementAndGet();
            batchRawBytes.addAndGet(body.uncompressedLength());
            batchWireBytes.addAndGet(body.bytes().readableBytes());
            body.bytes().release();
            pending.forEach(BlockWrite::release);
            pending.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.incrementAndGet();
            ProtocolException p = ProtocolException.findIn(cause);
            ErrorFrame error = p != null ? ErrorFrame.of(p) : ErrorFrame.of(ErrorCode.INTERNAL, String.valueOf(cause));
            LOG.warn("closing {}: {}", ctx.channel().remoteAddress(), error.message());
            ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ackTimer != null) {
                ackTimer.cancel(false);
            }
            pending.forEach(BlockWrite::release);
            pending.clear();
        }
    }
}
