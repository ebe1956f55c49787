package io.datamover.cli.demo;

import io.datamover.protocol.Ack;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams write records like the tap will: handshake, then records in seq order for as long as the
 * socket is writable (Netty's water marks are the bounded window), until the time is up.
 */
final class RecordStreamer implements AutoCloseable {
    static final int CG = 1;
    static final DiskInfo DISK = new DiskInfo(0, "demo-disk", 1L << 30, 4096);
    private static final int BLOCK = 4096;

    final AtomicLong sentSeq = new AtomicLong();
    final AtomicLong ackedSeq = new AtomicLong();
    final CompletableFuture<Void> finished = new CompletableFuture<>();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockContent content = new BlockContent(42);
    private final SplittableRandom offsets = new SplittableRandom(7);
    private final long deadlineNanos;
    private Channel channel;

    RecordStreamer(long durationNanos) {
        this.deadlineNanos = System.nanoTime() + durationNanos;
    }

    void start(InetSocketAddress receiver) throws InterruptedException {
        channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(), new Stream());
                    }
                })
                .connect(receiver)
                .sync()
                .channel();
        channel.writeAndFlush(Hello.of(Role.TAP, "demo-tap", "demo-pair", CG, "demo-cg", List.of(DISK)));
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Stream extends SimpleChannelInboundHandler<Frame> {
        private boolean streaming;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            switch (frame) {
                case HelloAck ignored -> {
                    streaming = true;
                    pump(ctx);
                }
                case Ack ack -> ackedSeq.set(ack.seq());
                case ErrorFrame error -> finished.completeExceptionally(
                        new IllegalStateException("receiver refused: " + error.code() + " " + error.message()));
                default -> finished.completeExceptionally(new IllegalStateException("unexpected " + frame.type()));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finished.completeExceptionally(new IllegalStateException("receiver closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finished.completeExceptionally(cause);
            ctx.close();
        }

        /** Writes records while the socket takes them; stops at the deadline. */
        private void pump(ChannelHandlerContext ctx) {
            if (!streaming || finished.isDone()) {
                return;
            }
            while (ctx.channel().isWritable()) {
                if (System.nanoTime() > deadlineNanos) {
                    ctx.flush();
                    finished.complete(null);
                    return;
                }
                int blocks = 1 + offsets.nextInt(16);
                long offset = offsets.nextLong(DISK.sizeBytes() / BLOCK - blocks) * BLOCK;
                ByteBuf payload = ctx.alloc().directBuffer(blocks * BLOCK);
                content.fill(payload, blocks * BLOCK);
                long seq = sentSeq.incrementAndGet();
                ctx.write(new WriteRecord(CG, System.currentTimeMillis() * 1000, false,
                        BlockWrite.data(seq, DISK.id(), offset, payload)));
            }
            ctx.flush();
        }
    }
}
