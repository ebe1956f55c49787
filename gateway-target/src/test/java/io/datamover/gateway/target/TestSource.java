package io.datamover.gateway.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ReferenceCountedFrames;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A source gateway for tests, on a real loopback socket with the protocol module's codecs: sends what it is told
 * and queues every frame the target sends, for the test to take in order.
 */
final class TestSource implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LinkedBlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    private final Channel channel;

    TestSource(InetSocketAddress target) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(),
                                new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                        received.add(frame);
                                    }
                                });
                    }
                })
                .connect(target).sync().channel();
    }

    /** The history every stand-in source claims: one generation, whose journal holds far more than tests send. */
    static final GenerationHistory GENERATIONS = new GenerationHistory(0x5eed, List.of());
    static final long JOURNAL_SEQ = 1L << 40;

    static Hello hello(String pair, int cg, List<DiskInfo> disks) {
        return Hello.of(Role.SOURCE_GATEWAY, "src-gw", pair, cg, "vm-" + cg, disks).withGenerations(GENERATIONS,
                JOURNAL_SEQ);
    }

    /** Connects and says HELLO; returns the target's HELLO_ACK. */
    static TestSource handshaken(InetSocketAddress target, Hello hello) throws InterruptedException {
        TestSource source = new TestSource(target);
        source.send(hello);
        HelloAck ack = source.next(HelloAck.class);
        assertThat(ack.role()).isEqualTo(Role.TARGET_GATEWAY);
        source.lastHelloAck = ack;
        return source;
    }

    HelloAck lastHelloAck;

    void send(Frame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    /** Sends bytes no frame constructor would make (see HostileFrames). */
    void sendRaw(io.netty.buffer.ByteBuf bytes) {
        channel.writeAndFlush(bytes).syncUninterruptibly();
    }

    /** The next frame, which must be of {@code type}. */
    <T extends Frame> T next(Class<T> type) throws InterruptedException {
        Frame frame = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frame).as("a %s from the target within %s", type.getSimpleName(), WAIT).isInstanceOf(type);
        return type.cast(frame);
    }

    /** Skips heartbeats and returns the next other frame. */
    Frame nextIgnoringHeartbeats() throws InterruptedException {
        while (true) {
            Frame frame = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a frame from the target within %s", WAIT).isNotNull();
            if (!(frame instanceof io.datamover.protocol.Heartbeat)) {
                return frame;
            }
        }
    }

    /** Takes frames until the ack of {@code scope} for {@code seq}; any ERROR fails the test. */
    void awaitAck(AckScope scope, long seq) throws InterruptedException {
        while (true) {
            Frame frame = nextIgnoringHeartbeats();
            assertThat(frame).as("waiting for %s %d", scope, seq).isInstanceOf(Ack.class);
            Ack ack = (Ack) frame;
            assertThat(ack.seq()).isLessThanOrEqualTo(seq);
            if (ack.scope() == scope && ack.seq() == seq) {
                return;
            }
        }
    }

    /** The next non-ack frame must be an ERROR with {@code code}; the target then closes. */
    ErrorFrame awaitError(ErrorCode code) throws InterruptedException {
        Frame frame;
        do {
            frame = nextIgnoringHeartbeats();
        } while (frame instanceof Ack);
        assertThat(frame).isInstanceOf(ErrorFrame.class);
        ErrorFrame error = (ErrorFrame) frame;
        assertThat(error.code()).as(error.message()).isEqualTo(code);
        awaitClosed();
        return error;
    }

    void awaitClosed() {
        assertThat(channel.closeFuture().awaitUninterruptibly(WAIT.toMillis())).as("closed by the target").isTrue();
    }

    boolean isActive() {
        return channel.isActive();
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        Frame f;
        while ((f = received.poll()) != null) {
            ReferenceCountedFrames.release(f);
        }
    }
}
