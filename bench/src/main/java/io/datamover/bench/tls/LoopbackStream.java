package io.datamover.bench.tls;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Crc32c;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ReferenceCountedFrames;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FlushCoalescer;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.tls.TlsRefusal;
import io.datamover.protocol.tls.TransportSecurity;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One connection over loopback with the tap link's real pipeline pieces: on the sending side the transport's TLS
 * client ({@link TransportSecurity#secureClient}), a {@link FlushConsolidationHandler} and the {@link FrameEncoder},
 * fed WRITE_RECORD frames through {@link FlushCoalescer} by a producer thread, as the tap's sender is; on the
 * receiving side the TLS server and the {@link FrameDecoder} (payload CRC checked), then a sink that counts the bytes
 * and gives them back to the producer's window, in place of the gateway's acks. Each side has its own one-thread
 * event loop, whose CPU time is read from the JVM.
 */
final class LoopbackStream implements AutoCloseable {
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    /** The tap's default window of unacknowledged bytes. */
    private static final int WINDOW_BYTES = 64 << 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** What one measured stretch moved and cost. */
    record Sample(long bytes, long nanos, long senderCpuNanos, long receiverCpuNanos, long processCpuNanos) {
        double megabytesPerSecond() {
            return bytes / 1e6 / (nanos / 1e9);
        }

        private double perMiB(long cpuNanos) {
            return cpuNanos / 1e3 / (bytes / (double) (1 << 20));
        }

        double senderMicrosPerMiB() {
            return perMiB(senderCpuNanos);
        }

        double receiverMicrosPerMiB() {
            return perMiB(receiverCpuNanos);
        }

        double processMicrosPerMiB() {
            return perMiB(processCpuNanos);
        }
    }

    private final EventLoopGroup serverLoop;
    private final EventLoopGroup acceptLoop;
    private final EventLoopGroup clientLoop;
    private final Channel server;
    private final Channel client;
    private final long senderThread;
    private final long receiverThread;
    private final AtomicLong received = new AtomicLong();
    private final Semaphore window = new Semaphore(WINDOW_BYTES);
    private final ByteBuf payload;
    private volatile boolean producing;
    /** The receiving pipeline's first error while records flow; a run with one has no figures. */
    private volatile Throwable failure;

    private LoopbackStream(EventLoopGroup acceptLoop, EventLoopGroup serverLoop, EventLoopGroup clientLoop,
            Channel server, Channel client, ByteBuf payload) throws Exception {
        this.acceptLoop = acceptLoop;
        this.serverLoop = serverLoop;
        this.clientLoop = clientLoop;
        this.server = server;
        this.client = client;
        this.payload = payload;
        this.senderThread = clientLoop.submit(() -> Thread.currentThread().threadId()).get();
        this.receiverThread = serverLoop.submit(() -> Thread.currentThread().threadId()).get();
    }

    /**
     * Connects a client secured by {@code clientSide} to a server secured by {@code serverSide} (the client checks
     * that the server proves {@code Role.SOURCE_GATEWAY} of {@code pairId}) and returns once the handshake is done.
     */
    static LoopbackStream open(TransportSecurity serverSide, TransportSecurity clientSide, String pairId,
            int recordBytes) throws Exception {
        EventLoopGroup acceptLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-accept"),
                NioIoHandler.newFactory());
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-receiver"),
                NioIoHandler.newFactory());
        EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-sender"),
                NioIoHandler.newFactory());
        TlsRefusal.Listener refusals = (reason, channel, detail) -> {
            throw new IllegalStateException("TLS refused in the bench (" + reason.tag() + "): " + detail);
        };
        LoopbackStream[] self = new LoopbackStream[1];
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Channel server = new ServerBootstrap()
                .group(acceptLoop, serverLoop)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        serverSide.secureServer(ch, HANDSHAKE_TIMEOUT_MS, refusals);
                        ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new Sink(() -> self[0]));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        Channel client = new Bootstrap()
                .group(clientLoop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        clientSide.secureClient(ch, "127.0.0.1", port, Role.SOURCE_GATEWAY, pairId,
                                HANDSHAKE_TIMEOUT_MS, refusals);
                        ch.pipeline().addLast(new FlushConsolidationHandler(
                                        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                                new FrameEncoder(),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        ready.complete(null); // past the TLS check: the session would start here
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ready.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        ready.get(HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(recordBytes);
        SplittableRandom random = new SplittableRandom(recordBytes);
        while (payload.isWritable()) {
            payload.writeLong(random.nextLong());
        }
        self[0] = new LoopbackStream(acceptLoop, serverLoop, clientLoop, server, client, payload);
        return self[0];
    }

    /** Streams records for {@code seconds} from a producer thread and returns what arrived and what it cost. */
    Sample run(double seconds) throws InterruptedException {
        int crc = Crc32c.of(payload);
        int recordBytes = payload.readableBytes();
        producing = true;
        Thread producer = Thread.ofPlatform().name("bench-producer").start(() -> {
            long seq = 1;
            try {
                while (producing) {
                    WriteRecord record = new WriteRecord(1, seq, false, new BlockWrite(seq, 0,
                            (seq * recordBytes) % (1L << 40), recordBytes, RecordKind.DATA, crc,
                            payload.retainedSlice()));
                    int bytes = FrameCodec.encodedLength(record);
                    if (!window.tryAcquire(bytes, 100, TimeUnit.MILLISECONDS)) {
                        record.release();
                        continue;
                    }
                    FlushCoalescer.write(client, record, client.voidPromise());
                    seq++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // The first half second fills the window and the socket buffers: not measured.
        Thread.sleep(500);
        long bytes0 = received.get();
        long t0 = System.nanoTime();
        long sender0 = THREADS.getThreadCpuTime(senderThread);
        long receiver0 = THREADS.getThreadCpuTime(receiverThread);
        long process0 = processCpuNanos();
        Thread.sleep((long) (seconds * 1000));
        long bytes1 = received.get();
        long t1 = System.nanoTime();
        long sender1 = THREADS.getThreadCpuTime(senderThread);
        long receiver1 = THREADS.getThreadCpuTime(receiverThread);
        long process1 = processCpuNanos();
        producing = false;
        producer.join();
        if (failure != null) {
            throw new IllegalStateException("the stream failed while measured", failure);
        }
        return new Sample(bytes1 - bytes0, t1 - t0, sender1 - sender0, receiver1 - receiver0, process1 - process0);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @Override
    public void close() {
        client.close().awaitUninterruptibly(5_000);
        server.close().awaitUninterruptibly(5_000);
        for (EventLoopGroup group : new EventLoopGroup[] {clientLoop, serverLoop, acceptLoop}) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
        payload.release();
    }

    /** The receiving end: counts each frame's bytes and gives them back to the window, as an ack would. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        private final Supplier<LoopbackStream> stream;

        Sink(Supplier<LoopbackStream> stream) {
            this.stream = stream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                LoopbackStream s = stream.get();
                if (s != null && msg instanceof WriteRecord record) {
                    int bytes = FrameCodec.encodedLength(record);
                    s.received.addAndGet(record.write().length());
                    s.window.release(bytes);
                }
            } finally {
                ReferenceCountedFrames.release((Frame) msg);
            }
        }

        /** A stream cut at {@link #close} ends in a truncated frame: only an error while producing counts. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LoopbackStream s = stream.get();
            if (s != null && s.producing && s.failure == null) {
                s.failure = cause;
            }
            ctx.close();
        }
    }
}
