package io.datamover.gateway.source;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A protocol-speaking stand-in for the tap on a real socket: sends what a test tells it, queues what it gets. */
final class TestTap implements AutoCloseable {
    static final int CG = 7;
    static final DiskInfo DISK = new DiskInfo(0, "disk0", 2 << 20, 4096);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    private final Channel channel;

    TestTap(InetSocketAddress gateway) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(),
                                new SimpleChannelInboundHandler<Frame>(Frame.class, false) {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                        received.add(frame);
                                    }
                                });
                    }
                })
                .connect(gateway).sync().channel();
    }

    /** A tap's HELLO that does not offer APPLIED_ACKS: the gateway answers with DURABLE acks only. */
    static Hello hello(String pair) {
        Hello all = helloOfferingAppliedAcks(pair);
        return new Hello(all.protocolMin(), all.protocolMax(), all.features() & ~Feature.APPLIED_ACKS.mask(),
                all.role(), all.senderId(), all.pairId(), all.cgId(), all.cgName(), all.disks());
    }

    /**
     * {@code hello} also asking for the tap's requests: REDIRECT (a NOT_LEADER names the leader's address when the
     * gateway knows it) and LEADER_EPOCH (the HELLO_ACK names the epoch the gateway leads under).
     */
    static Hello offeringTapRequests(Hello hello) {
        return hello.requesting(Feature.REDIRECT, true).requesting(Feature.LEADER_EPOCH, true);
    }

    /** A tap's HELLO offering every feature: the gateway also forwards its target's applied seq as APPLIED acks. */
    static Hello helloOfferingAppliedAcks(String pair) {
        return Hello.of(Role.TAP, "test-tap", pair, CG, "vm1", List.of(DISK));
    }

    /** A DATA record of {@code length} bytes at block {@code seq % 256}, its payload derived from the seq. */
    static WriteRecord record(long seq, int length) {
        byte[] bytes = new byte[length];
        byte[] tag = ("seq-" + seq + ";").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            bytes[i] = tag[i % tag.length];
        }
        return new WriteRecord(CG, 1_000 + seq, false,
                BlockWrite.data(seq, DISK.id(), (seq % 256) * 4096, Unpooled.wrappedBuffer(bytes)));
    }

    void send(Frame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    /** Sends bytes no frame constructor would make (see HostileFrames). */
    void sendRaw(io.netty.buffer.ByteBuf bytes) {
        channel.writeAndFlush(bytes).syncUninterruptibly();
    }

    /** Sends without waiting: for a stream the gateway may refuse and close part way (a failed write is dropped). */
    void sendWithoutWaiting(Frame frame) {
        channel.writeAndFlush(frame);
    }

    /** The next frame the gateway sent, or an AssertionError after the deadline. */
    Frame next(Duration timeout) throws InterruptedException {
        Frame f = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (f == null) {
            throw new AssertionError("nothing from the gateway within " + timeout);
        }
        ReferenceCountUtil.release(f);
        return f;
    }

    /** The next frame of {@code type}, skipping heartbeats. */
    <T extends Frame> T next(Class<T> type) throws InterruptedException {
        while (true) {
            Frame f = next(Duration.ofSeconds(10));
            if (type.isInstance(f)) {
                return type.cast(f);
            }
            if (!(f instanceof Heartbeat)) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + f);
            }
        }
    }

    boolean awaitClosed(Duration timeout) {
        return channel.closeFuture().awaitUninterruptibly(timeout.toMillis());
    }

    /** Closes with a TCP reset, as a tap killed with -9 or a host gone down leaves its connection. */
    void reset() {
        channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
        close();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
