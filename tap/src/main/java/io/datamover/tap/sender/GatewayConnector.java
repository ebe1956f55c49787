package io.datamover.tap.sender;

import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ReconnectBackoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection to the gateway up: connects, and whenever a connect fails or a connection
 * closes, connects again after the {@link ReconnectBackoff}'s wait, until closed. Owns the event
 * loop (one thread: a tap has one stream to move) and the socket options, water marks included.
 */
final class GatewayConnector {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayConnector.class);

    private final SenderConfig config;
    private final SenderMetrics metrics;
    private final ReconnectBackoff backoff;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final String gateway;

    // Touched on the event loop only, but close() reads them from another thread.
    private volatile boolean closed;
    private volatile Channel channel;
    private volatile ScheduledFuture<?> pendingReconnect;
    private int failedAttempts;

    GatewayConnector(SenderConfig config, SenderMetrics metrics, ReconnectBackoff backoff,
            Supplier<ChannelHandler> sessionHandlers) {
        this.config = config;
        this.metrics = metrics;
        this.backoff = backoff;
        this.gateway = config.gatewayHost() + ":" + config.gatewayPort();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gateway-sender-" + config.cgId()),
                NioIoHandler.newFactory());
        FrameEncoder encoder = new FrameEncoder();
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMarkBytes(), config.writeBufferHighWaterMarkBytes()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                                // Records arrive as one writeAndFlush each; coalesce their syscalls.
                                new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                                new IdleStateHandler(config.readIdleTimeoutMs(), config.heartbeatIntervalMs(), 0,
                                        TimeUnit.MILLISECONDS),
                                new FrameDecoder(config.frameLimits()),
                                encoder,
                                sessionHandlers.get());
                    }
                });
    }

    void start() {
        group.execute(this::connect);
    }

    /** The handshake succeeded: the next failure waits the initial delay again. Event loop only. */
    /** Runs {@code task} on the connector's event loop after {@code delayMs}. */
    void schedule(Runnable task, long delayMs) {
        group.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    }

    void handshakeSucceeded() {
        if (failedAttempts > 0) {
            LOG.info("cg {}: connected to gateway {} after {} failed attempts", config.cgId(), gateway,
                    failedAttempts);
        }
        failedAttempts = 0;
        backoff.reset();
    }

    /** Stops reconnecting, sends what is queued, closes the connection and the event loop. */
    void close() {
        closed = true;
        ScheduledFuture<?> reconnect = pendingReconnect;
        if (reconnect != null) {
            reconnect.cancel(false);
        }
        Channel current = channel;
        if (current != null) {
            // An empty flush behind the queued records: closing after it sends them first.
            current.writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(f -> current.close())
                    .channel().closeFuture().awaitUninterruptibly(config.closeTimeoutMs());
            current.close();
        }
        group.shutdownGracefully(0, config.closeTimeoutMs(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(config.closeTimeoutMs() + 1_000);
    }

    private void connect() {
        if (closed) {
            return;
        }
        ChannelFuture attempt = bootstrap.connect(config.gatewayHost(), config.gatewayPort());
        attempt.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                connectFailed(f.cause());
                return;
            }
            channel = f.channel();
            f.channel().closeFuture().addListener(closedFuture -> scheduleReconnect());
            if (closed) {
                f.channel().close();
            }
        });
    }

    private void connectFailed(Throwable cause) {
        // The first failure of a streak is worth a warning; the retries behind it only a debug line.
        if (failedAttempts++ == 0) {
            LOG.warn("cg {}: cannot connect to gateway {}: {}; retrying with backoff", config.cgId(), gateway,
                    cause.toString());
        } else {
            LOG.debug("cg {}: connect attempt {} to gateway {} failed: {}", config.cgId(), failedAttempts, gateway,
                    cause.toString());
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        channel = null;
        if (closed || group.isShuttingDown()) {
            return;
        }
        long delayMs = backoff.nextDelayMs();
        metrics.reconnectScheduled();
        LOG.debug("cg {}: reconnecting to gateway {} in {} ms", config.cgId(), gateway, delayMs);
        pendingReconnect = group.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
    }
}
