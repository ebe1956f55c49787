package io.datamover.protocol.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads write small messages through the coalescer over a real loopback socket: every byte
 * must arrive (a write left behind a flush that already ran would never be sent), and the writes
 * share flushes.
 */
class FlushCoalescerTest {
    private static final int THREADS = 8;
    private static final int WRITES_PER_THREAD = 5_000;

    @Test
    void everyWriteFromEveryThreadIsFlushed() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AtomicLong received = new AtomicLong();
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    received.addAndGet(((ByteBuf) msg).readableBytes());
                                    ((ByteBuf) msg).release();
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            AtomicLong flushes = new AtomicLong();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                        @Override
                        public void flush(ChannelHandlerContext ctx) {
                            flushes.incrementAndGet();
                            ctx.flush();
                        }
                    })
                    .connect(server.localAddress()).sync().channel();

            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < WRITES_PER_THREAD; i++) {
                        FlushCoalescer.write(client, Unpooled.buffer(8).writeLong(i), client.voidPromise());
                    }
                }));
            }
            for (Thread w : writers) {
                w.join();
            }
            long total = 8L * THREADS * WRITES_PER_THREAD;
            await().atMost(Duration.ofSeconds(20)).until(() -> received.get() == total);
            assertThat(flushes.get()).isLessThan(THREADS * WRITES_PER_THREAD);
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
