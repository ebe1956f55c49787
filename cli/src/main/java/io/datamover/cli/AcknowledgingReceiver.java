package io.datamover.cli;

import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
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
import io.datamover.protocol.tls.TlsRefusal;
import io.datamover.protocol.tls.TransportSecurity;
import io.netty.bootstrap.ServerBootstrap;
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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for the source gateway in the tap's benchmark ({@code datamover ack-receiver}): accepts senders, checks
 * every frame, seq continuity and payload CRC, and acknowledges every 256 records or 8 MiB of payload and, when
 * records trickle, every {@link #ACK_INTERVAL_MS} ms. It keeps nothing: its acks promise no durability.
 */
final class AcknowledgingReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgingReceiver.class);
    /** Records acknowledged at once. */
    private static final int RECORDS_PER_ACK = 256;
    /**
     * Payload bytes acknowledged at once: 256 records of 1 MiB would be four times the tap's default 64 MiB window,
     * so large writes would wait for the timer and a short stall would fill the window.
     */
    private static final long PAYLOAD_BYTES_PER_ACK = 8L << 20;
    static final long ACK_INTERVAL_MS = 20;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    AcknowledgingReceiver(InetSocketAddress listen, TransportSecurity transport) throws InterruptedException {
        TlsRefusal.Listener refusals = TlsRefusal.loggedAndCounted("ack-receiver", reason -> { });
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        transport.secureServer(ch, HANDSHAKE_TIMEOUT_MS, refusals);
                        FrameDecoder decoder = FrameDecoder.untilHandshake(FrameLimits.DEFAULT);
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

    InetSocketAddress address() {
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
        private ScheduledFuture<?> ackTimer;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws ProtocolException {
            switch (frame) {
                case Hello h when hello == null -> {
                    Handshake.Agreement agreed = Handshake.negotiate(h, Feature.PAYLOAD_CRC.mask());
                    hello = h;
                    FrameDecoder.handshakeAccepted(ctx.pipeline());
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
            unackedPayloadBytes += r.write().payload().readableBytes();
            if (++unackedRecords == RECORDS_PER_ACK || unackedPayloadBytes >= PAYLOAD_BYTES_PER_ACK) {
                ackUpTo(ctx);
            }
        }

        /** Acknowledges everything received so far. */
        private void ackUpTo(ChannelHandlerContext ctx) {
            unackedRecords = 0;
            unackedPayloadBytes = 0;
            if (sessionSeq > ackedSeq) {
                ackedSeq = sessionSeq;
                ctx.writeAndFlush(new Ack(hello.cgId(), sessionSeq, AckScope.DURABLE));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
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
        }
    }
}
