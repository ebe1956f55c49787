package io.datamover.protocol.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard on a real loopback listener, as a gateway uses it: first in each connection's pipeline, in front of a
 * session that reports its handshake's progress (here: byte 'R' is a whole HELLO received, 'A' one accepted).
 */
class ListenerGuardTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** One event loop: the guard's timers and the connections' events run in order. */
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void connectionsPastEitherCapAreClosedAtAcceptAndCountedByReason() throws Exception {
        ListenerGuard guard = guard(new ListenerLimits(4, 2, 60_000));
        int port = listen(guard);
        Socket a = connect(port);
        Socket b = connect(port);
        await(() -> guard.handshakes() == 2, "two handshakes open");
        Socket c = connect(port);
        awaitClosed(c);
        assertThat(count(ListenerGuard.Refusal.HANDSHAKES)).isEqualTo(1);

        a.getOutputStream().write('A');
        b.getOutputStream().write('A');
        await(() -> guard.handshakes() == 0, "both handshakes finished");
        Socket d = connect(port);
        Socket e = connect(port);
        await(() -> guard.connections() == 4, "four connections open");
        Socket f = connect(port);
        awaitClosed(f);
        assertThat(count(ListenerGuard.Refusal.CONNECTIONS)).isEqualTo(1);
        assertThat(count(ListenerGuard.Refusal.HANDSHAKES)).isEqualTo(1);
        for (Socket open : List.of(a, b, d, e)) {
            assertThat(isClosed(open)).as("a connection within the caps").isFalse();
        }

        d.close();
        await(() -> guard.connections() == 3 && guard.handshakes() == 1, "the closed one's slots given back");
        Socket g = connect(port);
        await(() -> guard.connections() == 4, "a new connection in the freed slot");
        assertThat(isClosed(g)).isFalse();
    }

    @Test
    void aConnectionDribblingItsHelloIsClosedAtTheHelloTimeoutAndOneWhoseHelloArrivedIsNot() throws Exception {
        ListenerGuard guard = guard(new ListenerLimits(10, 10, 500));
        int port = listen(guard);
        Socket received = connect(port);
        received.getOutputStream().write('R'); // its group opens as long as it takes
        Socket dribbling = connect(port);
        long start = System.nanoTime();
        while (!isClosed(dribbling)) {
            try {
                dribbling.getOutputStream().write('.'); // a byte every 50 ms: a read-idle timeout never fires
            } catch (IOException e) {
                break; // closed (reset) by the listener
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("dribbling connection still open")
                    .isLessThan(DEADLINE);
            Thread.sleep(50);
        }
        assertThat(count(ListenerGuard.Refusal.HELLO_TIMEOUT)).isEqualTo(1);
        // Its deadline, had it kept one, came first on the one event loop.
        assertThat(isClosed(received)).as("connection whose HELLO arrived").isFalse();
        await(() -> guard.handshakes() == 1 && guard.connections() == 1, "the dribbler's slots given back");
    }

    private ListenerGuard guard(ListenerLimits limits) {
        return new ListenerGuard("test", limits,
                reason -> refused.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet());
    }

    private int count(ListenerGuard.Refusal reason) {
        AtomicInteger n = refused.get(reason.tag());
        return n == null ? 0 : n.get();
    }

    private int listen(ListenerGuard guard) throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(guard.newHandler(), new Session());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** 'R': a whole HELLO arrived; 'A': the HELLO is accepted; anything else: part of a HELLO. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                while (bytes.isReadable()) {
                    byte b = bytes.readByte();
                    if (b == 'R') {
                        ListenerGuard.helloReceived(ctx.pipeline());
                    } else if (b == 'A') {
                        ListenerGuard.handshakeFinished(ctx.pipeline());
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        sockets.add(socket);
        return socket;
    }

    /** Whether the server closed {@code socket}: its read ends (or resets) rather than timing out. */
    private static boolean isClosed(Socket socket) throws IOException {
        socket.setSoTimeout(20);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static void awaitClosed(Socket socket) throws Exception {
        await(() -> {
            try {
                return isClosed(socket);
            } catch (IOException e) {
                return true;
            }
        }, "connection closed by the listener");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as(what).isNegative();
            Thread.sleep(10);
        }
    }
}
