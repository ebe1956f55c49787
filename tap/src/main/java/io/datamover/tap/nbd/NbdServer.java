package io.datamover.tap.nbd;

import io.datamover.tap.TapConfig;
import io.datamover.tap.buffer.PayloadPool;
import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NBD listener: a Netty server (epoll when the native transport loads, else NIO) whose connections go through
 * the handshake and then the transmission phase, with disk I/O on a bounded thread pool.
 */
public final class NbdServer implements AutoCloseable {

    private static final int MIN_READ_BYTES = 64;
    private static final int INITIAL_READ_BYTES = 2048;
    private static final int MAX_READ_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

    private final TapConfig config;
    private final EventLoopGroup eventLoops;
    private final ThreadPoolExecutor ioExecutor;
    private final ChannelGroup connections = new DefaultChannelGroup("nbd-connections", GlobalEventExecutor.INSTANCE);
    private final Channel serverChannel;
    private final PayloadPool payloads;
    /** Whether a WRITE's payload is kept past its request (the group streams it): then it goes into the pool. */
    private final BooleanSupplier keepsPayloads;
    private final int port;
    private volatile boolean shuttingDown;

    private NbdServer(TapConfig config, Map<String, Export> exports,
            Function<ByteBufAllocator, NbdRequestHandler> handlers, PayloadPool payloads, BooleanSupplier keepsPayloads,
            String serving, Supplier<SslContext> tls, MeterRegistry registry) throws InterruptedException {
        this.config = config;
        this.payloads = payloads;
        this.keepsPayloads = keepsPayloads;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.eventLoops = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), new DefaultThreadFactory("tap-nbd"), ioHandler);
        // Bounded by construction: each connection has at most maxInFlightRequestsPerConnection tasks outstanding
        // (its decoder holds the rest back), so the queue never refuses one while the tap runs.
        this.ioExecutor = new ThreadPoolExecutor(config.ioThreads(), config.ioThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.ioQueueCapacity()), new DefaultThreadFactory("tap-io", true));
        ProtocolErrors errors = new ProtocolErrors(registry);
        RequestValidator validator = new RequestValidator(config.maxRequestBytes());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(eventLoops)
                    .channel(channelType)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (shuttingDown || connections.size() >= config.maxConnections()) {
                                registry.counter("datamover.tap.connections.refused").increment();
                                LOG.warn("refusing NBD connection from {}: {}", channel.remoteAddress(),
                                        shuttingDown ? "shutting down" : config.maxConnections() + " connections already open");
                                channel.close();
                                return;
                            }
                            connections.add(channel);
                            // Reads of up to 1 MiB (Netty's default stops at 64 KiB): fewer recv calls, and a WRITE
                            // payload sliced out of the read buffers (bitmap mode) has fewer pieces, so fewer pwrite
                            // calls; a payload being received into its pool block is read into the block.
                            PayloadReceiveAllocator reads = new PayloadReceiveAllocator(
                                    new AdaptiveRecvByteBufAllocator(MIN_READ_BYTES, INITIAL_READ_BYTES, MAX_READ_BYTES));
                            channel.config().setRecvByteBufAllocator(reads);
                            NbdRequestHandler processor = handlers.apply(channel.alloc());
                            channel.pipeline().addLast("handshake", new NbdHandshakeHandler(exports, config.maxOptionBytes(),
                                    config.maxRequestBytes(), config.handshakeTimeoutMillis(), () -> shuttingDown, errors,
                                    (ctx, session) -> enterTransmission(ctx, session, validator, processor, reads, errors,
                                            registry), tls));
                        }
                    });
            this.serverChannel = bootstrap.bind(config.bindHost(), config.port()).sync().channel();
            this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        } catch (InterruptedException | RuntimeException e) {
            shutdownThreads();
            throw e;
        }
        LOG.info("{} serving NBD on {} ({} transport{}), exports {}", serving, serverChannel.localAddress(),
                epoll ? "epoll" : "nio", tls == null ? "" : ", TLS required", exports.keySet());
    }

    /**
     * Binds and starts serving; the exports and the group stay owned by the caller. While the group streams, WRITE
     * payloads are copied into this server's {@link PayloadPool}, sized for the sink's window of
     * {@code sinkWindowBytes} (see {@link io.datamover.tap.replication.ReplicationSink#windowBytes()}).
     */
    public static NbdServer start(TapConfig config, Map<String, Export> exports, ConsistencyGroup group,
            long sinkWindowBytes, MeterRegistry registry) throws InterruptedException {
        // Room for the sink's window and one connection's writes in flight besides; past it payloads are copied
        // from the allocator (the window is full by then, or nearly).
        PayloadPool payloads = new PayloadPool(sinkWindowBytes + config.maxInFlightBytesPerConnection(), registry,
                "cg", Long.toString(group.id()));
        return new NbdServer(config, exports, alloc -> new RequestProcessor(group, alloc, registry), payloads,
                () -> group.mode().streams(), "tap", null, registry);
    }

    /**
     * Binds and serves {@code store}'s disks under the names of {@code exports} (their names and sizes only: the I/O
     * goes to the store, nothing is replicated, so no payload is kept past its request); a rehearsal's view.
     *
     * @param tls the server context every client must start TLS with (NBD_OPT_STARTTLS) before anything else, asked
     *        at each STARTTLS (a reload applies to the next connection); null serves plaintext
     */
    public static NbdServer serve(TapConfig config, Map<String, Export> exports, BlockStore store,
            Supplier<SslContext> tls, MeterRegistry registry) throws InterruptedException {
        return new NbdServer(config, exports, alloc -> new BlockStoreProcessor(store, alloc, registry),
                new PayloadPool(0, registry, "view", "rehearsal"), () -> false, "rehearsal view", tls, registry);
    }

    private void enterTransmission(ChannelHandlerContext ctx, NbdSession session, RequestValidator validator,
            NbdRequestHandler processor, PayloadReceiveAllocator reads, ProtocolErrors errors, MeterRegistry registry) {
        NbdTransmissionHandler transmission = new NbdTransmissionHandler(session, validator, processor, ioExecutor,
                config.maxInFlightRequestsPerConnection(), config.maxInFlightBytesPerConnection(), () -> shuttingDown,
                errors, registry);
        NbdRequestDecoder decoder = new NbdRequestDecoder(config.maxRequestBytes(), errors,
                transmission::admitsRequests, payloads, keepsPayloads);
        if (ctx.pipeline().get(SslHandler.class) == null) {
            reads.receiveFor(decoder); // under TLS the socket's bytes are records to decrypt, never a payload's
        }
        ctx.pipeline().addAfter(ctx.name(), "request-decoder", decoder);
        ctx.pipeline().addAfter("request-decoder", "transmission", transmission);
    }

    /** Frees the payload blocks idle since the previous call (see {@link PayloadPool#trimIdle}). */
    public void trimIdlePayloads() {
        payloads.trimIdle();
    }

    public int port() {
        return port;
    }

    /**
     * Stops accepting, stops reading new requests, lets in-flight requests finish and their replies go out (up to
     * the shutdown timeout), then closes every connection.
     */
    @Override
    public void close() throws InterruptedException {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        serverChannel.close().sync();
        for (Channel connection : connections) {
            connection.eventLoop().execute(() -> connection.config().setAutoRead(false));
        }
        ioExecutor.shutdown();
        if (!ioExecutor.awaitTermination(config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("in-flight NBD requests did not finish within {} ms", config.shutdownTimeoutMillis());
        }
        connections.close().await(config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS);
        shutdownThreads();
    }

    private void shutdownThreads() throws InterruptedException {
        ioExecutor.shutdown();
        eventLoops.shutdownGracefully(0, config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS).await();
        payloads.close(); // blocks still held (the sender's window) are freed as they are released
    }
}
