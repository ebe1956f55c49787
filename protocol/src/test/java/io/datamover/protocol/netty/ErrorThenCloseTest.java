package io.datamover.protocol.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that keeps sending while it is refused still reads the ERROR frame: real loopback sockets, a server that
 * refuses after the first megabyte, clients that never stop writing (as a tap streams records) and record every
 * byte they receive until their channel closes. With a plain close, such a client's next write fails and its
 * channel closes before it reads the frame.
 */
class ErrorThenCloseTest {
    private static final int CONNECTIONS = 20;
    private static final int REFUSE_AFTER_BYTES = 1 << 20;
    private static final ErrorFrame REFUSAL = ErrorFrame.of(ErrorCode.JOURNAL_FULL, "the journal is full");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aPeerStillSendingReadsTheErrorFrameBeforeTheConnectionEnds() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameEncoder(), new RefusingServer());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        List<CompletableFuture<ByteBuf>> received = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            FloodingClient client = new FloodingClient();
            new Bootstrap().group(group).channel(NioSocketChannel.class).handler(client)
                    .connect((InetSocketAddress) server.localAddress()).sync();
            received.add(client.receivedUntilClosed);
        }
        try {
            for (CompletableFuture<ByteBuf> bytes : received) {
                ByteBuf in = bytes.get(30, TimeUnit.SECONDS);
                try {
                    Frame frame = FrameCodec.decode(in, FrameLimits.DEFAULT);
                    assertThat(frame).isEqualTo(REFUSAL);
                    assertThat(in.isReadable()).as("nothing after the ERROR frame").isFalse();
                } finally {
                    in.release();
                }
            }
        } finally {
            server.close().sync();
        }
    }

    /** Reads a megabyte of the client's stream, then refuses it. */
    private static final class RefusingServer extends ChannelInboundHandlerAdapter {
        private long read;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            read += ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
            if (read >= REFUSE_AFTER_BYTES) {
                ErrorThenClose.send(ctx.channel(), REFUSAL);
            }
        }
    }

    /** Writes without end while it can, keeps what it receives, and hands it over when its channel closes. */
    private static final class FloodingClient extends ChannelInboundHandlerAdapter {
        private static final ByteBuf CHUNK = Unpooled.unreleasableBuffer(Unpooled.directBuffer(64 << 10)
                .writeZero(64 << 10));
        final CompletableFuture<ByteBuf> receivedUntilClosed = new CompletableFuture<>();
        private CompositeByteBuf received;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            received = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            flood(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            flood(ctx);
        }

        private void flood(ChannelHandlerContext ctx) {
            while (ctx.channel().isActive() && ctx.channel().isWritable()) {
                ctx.writeAndFlush(CHUNK.duplicate(), ctx.voidPromise()); // a failed write reaches exceptionCaught
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.addComponent(true, (ByteBuf) msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a write on a connection the server closed: what a plain close does to a tap
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            receivedUntilClosed.complete(received);
        }
    }
}
