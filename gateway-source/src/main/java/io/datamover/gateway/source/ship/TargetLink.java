package io.datamover.gateway.source.ship;

import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ReconnectBackoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.InstantSource;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection to the target gateway up for one consistency group: connects, and whenever a
 * connect fails or a connection closes, connects again after the backoff's wait, until closed. The
 * backoff starts over only after a connection made progress (the target acknowledged a batch) or
 * stayed up for the longest wait, so a target that refuses every handshake or every batch
 * (WRONG_PAIR, SEQ_GAP) is retried ever more slowly, never in a tight loop.
 */
final class TargetLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetLink.class);
    /** The target sends only handshake answers, acks, heartbeats and errors: small frames. */
    private static final FrameLimits INBOUND_LIMITS = new FrameLimits(64 * 1024, 1024);

    private final ShipperConfig config;
    private final int cgId;
    private final ShipperMetrics metrics;
    private final InstantSource clock;
    private final ReconnectBackoff backoff;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    // Event loop only, but close() reads them from another thread.
    private volatile boolean closed;
    private volatile Channel channel;
    private volatile ScheduledFuture<?> pendingReconnect;
    private int failedAttempts;

    TargetLink(ShipperConfig config, Hello hello, LinkEvents events, ShipperMetrics metrics, InstantSource clock) {
        this.config = config;
        this.cgId = hello.cgId();
        this.metrics = metrics;
        this.clock = clock;
        this.backoff = new ReconnectBackoff(config.reconnectInitialDelayMs(), config.reconnectMaxDelayMs(),
                config.reconnectJitterRatio(), new SplittableRandom());
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("shipper-link-" + cgId),
                NioIoHandler.newFactory());
        FrameEncoder encoder = new FrameEncoder();
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                                new IdleStateHandler(config.readIdleTimeoutMs(), config.heartbeatIntervalMs(), 0,
                                        TimeUnit.MILLISECONDS),
                                new FrameDecoder(INBOUND_LIMITS),
                                encoder,
                                new TargetSessionHandler(hello, config, events, metrics, clock));
                    }
                });
    }

    void start() {
        group.execute(this::connect);
    }

    /** Stops reconnecting, closes the connection and the event loop. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> reconnect = pendingReconnect;
        if (reconnect != null) {
            reconnect.cancel(false);
        }
        Channel current = channel;
        if (current != null) {
            current.close().awaitUninterruptibly(config.closeTimeoutMs());
        }
        group.shutdownGracefully(0, config.closeTimeoutMs(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(config.closeTimeoutMs() + 1_000);
    }

    private void connect() {
        if (closed) {
            return;
        }
        bootstrap.connect(config.targetHost(), config.targetPort()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                connectFailed(f.cause());
                return;
            }
            Channel connected = f.channel();
            channel = connected;
            long connectedAtMillis = clock.millis();
            TargetSessionHandler handler = connected.pipeline().get(TargetSessionHandler.class);
            connected.closeFuture().addListener(done -> connectionClosed(handler, connectedAtMillis));
            if (closed) {
                connected.close();
            }
        });
    }

    private void connectionClosed(TargetSessionHandler handler, long connectedAtMillis) {
        boolean healthy = (handler != null && handler.madeProgress())
                || clock.millis() - connectedAtMillis >= config.reconnectMaxDelayMs();
        if (healthy) {
            failedAttempts = 0;
            backoff.reset();
        }
        scheduleReconnect();
    }

    private void connectFailed(Throwable cause) {
        // The first failure of a streak is worth a warning; the retries behind it only a debug line.
        if (failedAttempts++ == 0) {
            LOG.warn("cg {}: cannot connect to target {}: {}; retrying with backoff", cgId, config.target(),
                    cause.toString());
        } else {
            LOG.debug("cg {}: connect attempt {} to target {} failed: {}", cgId, failedAttempts, config.target(),
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
        LOG.debug("cg {}: reconnecting to target {} in {} ms", cgId, config.target(), delayMs);
        pendingReconnect = group.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
    }
}
