package io.datamover.it;

import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ReferenceCountedFrames;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.TlsFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A peer written from docs/protocol.md, as an attacker would: it connects to a gateway's listener in plaintext, or
 * over TLS 1.3 with whatever certificate it holds (or none), trusts any server, says the HELLO it is given and
 * sends its data once the HELLO is accepted, and records what the gateway sends until it closes.
 */
final class HostilePeer implements AutoCloseable {
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ConcurrentLinkedQueue<Frame> received = new ConcurrentLinkedQueue<>();
    private final SslContext tls;
    private Channel channel;
    /** The frame to send once the HELLO is accepted; event loop only once connected. */
    private Frame pending;

    private HostilePeer(SslContext tls) {
        this.tls = tls;
    }

    /** No TLS at all. */
    static HostilePeer plaintext() {
        return new HostilePeer(null);
    }

    /** TLS 1.3 presenting no client certificate. */
    static HostilePeer withoutCertificate() throws SSLException {
        return new HostilePeer(client().build());
    }

    /** TLS 1.3 presenting {@code certificate}, whose key is {@code key}. */
    static HostilePeer presenting(X509Certificate certificate, PrivateKey key) throws SSLException {
        return new HostilePeer(client().keyManager(key, certificate).build());
    }

    /** TLS 1.3 presenting the certificate and key of {@code files} (a real peer's, e.g. the lab pair's). */
    static HostilePeer presenting(TlsFiles files) throws IOException {
        return presenting(CertificateAuthority.readCertificates(files.certificateChain()).get(0),
                CertificateAuthority.readPrivateKey(files.privateKey()));
    }

    private static SslContextBuilder client() {
        return SslContextBuilder.forClient().protocols("TLSv1.3").trustManager(InsecureTrustManagerFactory.INSTANCE);
    }

    /**
     * Connects to {@code port} on loopback and sends {@code hello} (a TLS client after its handshake); sends
     * {@code afterHelloAck} (e.g. a BATCH) only if the gateway accepts the HELLO, as the protocol has it.
     */
    HostilePeer send(int port, Hello hello, Frame afterHelloAck) throws InterruptedException {
        pending = afterHelloAck;
        channel = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port));
                        }
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(),
                                new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                        received.add(frame); // no frame a gateway sends to a peer holds a payload
                                        if (frame instanceof HelloAck && pending != null) {
                                            ctx.writeAndFlush(pending);
                                            pending = null;
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close(); // the gateway's TLS alert or reset: the refusal itself
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        channel.writeAndFlush(hello);
        return this;
    }

    /**
     * Waits up to {@code deadline} for the gateway to close the connection; every frame it sent until then.
     *
     * @throws AssertionError when the connection is still open at the deadline
     */
    List<Frame> framesUntilClosed(Duration deadline) {
        if (!channel.closeFuture().awaitUninterruptibly(deadline.toMillis())) {
            throw new AssertionError("the gateway did not close the connection within " + deadline + "; it sent "
                    + received);
        }
        return new ArrayList<>(received);
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly();
        }
        loop.submit(() -> {
            if (pending != null) {
                ReferenceCountedFrames.release(pending); // never sent: the HELLO was refused
            }
        }).syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
