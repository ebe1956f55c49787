package io.datamover.protocol.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A loopback listener that marks each accepted connection with the peer a test chose, as the TLS layer marks it
 * with the peer its handshake proved, then runs a gateway's real handlers: authorization tested on a real socket
 * without TLS in the way. {@link #nextPeer} applies to the connections accepted after it; null leaves them
 * unauthenticated.
 */
public final class PeerListener implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private volatile AuthenticatedPeer nextPeer;

    /** {@code handlers}: a fresh pipeline (decoder, encoder, session) for each connection. */
    public PeerListener(Supplier<List<ChannelHandler>> handlers) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(AuthenticatedPeer.KEY).set(nextPeer);
                        ch.pipeline().addLast(handlers.get().toArray(ChannelHandler[]::new));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public void nextPeer(AuthenticatedPeer peer) {
        nextPeer = peer;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
