package io.datamover.bench.link;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated WAN link as a TCP proxy on loopback: connections accepted at {@link #address()} are forwarded to
 * {@code upstream}, each direction through Netty's {@link GlobalTrafficShapingHandler} (the bandwidth, shared by
 * all connections like one link) and a {@link Relay} (the latency). {@link #scheduleOutages} takes the link down
 * at given times; {@link #corrupt} damages bytes in flight. One event loop thread, named {@code link-proxy}, runs
 * all of it.
 */
public final class LinkProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkProxy.class);
    /** A direction's shaper queue past which its relay stops reading. */
    private static final long MAX_SHAPER_QUEUE_BYTES = 256 << 10;
    private static final long SHAPER_CHECK_MS = 100;

    private final LinkSpec spec;
    private final InetSocketAddress upstream;
    private final EventLoopGroup loop;
    private final GlobalTrafficShapingHandler towardUpstream;
    private final GlobalTrafficShapingHandler towardDownstream;
    private final AtomicLong upstreamBytes = new AtomicLong();
    private final AtomicLong downstreamBytes = new AtomicLong();
    /** Relays toward upstream run their bytes through the first, relays toward the clients through the second. */
    private final ByteCorrupter upstreamCorrupter = new ByteCorrupter();
    private final ByteCorrupter downstreamCorrupter = new ByteCorrupter();
    /** Both relays of every open connection; event loop only. */
    private final Set<Relay> relays = new HashSet<>();
    private final Set<Channel> channels = new HashSet<>();
    /** The outage under way, or null; written on the event loop only. */
    private volatile LinkSpec.Outage.Kind down;
    /** Which outage is under way (its end must not end a later one); event loop only. */
    private LinkSpec.Outage current;
    private final Channel server;

    private LinkProxy(InetSocketAddress upstream, LinkSpec spec) throws InterruptedException {
        this.spec = spec;
        this.upstream = upstream;
        this.loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("link-proxy", true),
                NioIoHandler.newFactory());
        this.towardUpstream = shaper();
        this.towardDownstream = shaper();
        try {
            this.server = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel client) {
                            accepted(client);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts a link to {@code upstream} with the given shape; outages begin only with {@link #scheduleOutages}. */
    public static LinkProxy start(InetSocketAddress upstream, LinkSpec spec) throws InterruptedException {
        return new LinkProxy(upstream, spec);
    }

    /** Where clients connect to reach {@code upstream} over the link. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public LinkSpec spec() {
        return spec;
    }

    /** Bytes delivered toward upstream (client to server) so far. */
    public long upstreamBytes() {
        return upstreamBytes.get();
    }

    /** Bytes delivered toward the clients so far. */
    public long downstreamBytes() {
        return downstreamBytes.get();
    }

    /** True while an outage is under way. */
    public boolean isDown() {
        return down != null;
    }

    /** Schedules the spec's outages, each counted from now. */
    public void scheduleOutages() {
        scheduleOutages(spec.outages());
    }

    public void scheduleOutages(List<LinkSpec.Outage> outages) {
        for (LinkSpec.Outage o : outages) {
            loop.schedule(() -> begin(o), o.at().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Starts damaging bytes in flight as {@code corruption} says, from now on (replacing one under way). */
    public void corrupt(LinkSpec.Corruption corruption) {
        loop.submit(() -> {
            LOG.info("link: {}", corruption.describe());
            if (corruption.direction().includesUpstream()) {
                upstreamCorrupter.start(corruption);
            }
            if (corruption.direction().includesDownstream()) {
                downstreamCorrupter.start(corruption.withSeed(corruption.seed() + 1));
            }
        }).syncUninterruptibly();
    }

    /** Bytes flipped so far toward upstream (client to server). */
    public long upstreamBytesCorrupted() {
        return loop.submit(upstreamCorrupter::flipped).syncUninterruptibly().getNow();
    }

    /** Bytes flipped so far toward the clients. */
    public long downstreamBytesCorrupted() {
        return loop.submit(downstreamCorrupter::flipped).syncUninterruptibly().getNow();
    }

    private GlobalTrafficShapingHandler shaper() {
        GlobalTrafficShapingHandler shaper = new GlobalTrafficShapingHandler(loop.next(), spec.bytesPerSecond(), 0,
                SHAPER_CHECK_MS);
        shaper.setMaxWriteSize(MAX_SHAPER_QUEUE_BYTES);
        return shaper;
    }

    private void accepted(Channel client) {
        if (down == LinkSpec.Outage.Kind.DISCONNECT) {
            client.close();
            return;
        }
        long latency = spec.oneWayLatency().toNanos();
        Relay up = new Relay(client, latency, upstreamBytes, upstreamCorrupter);
        client.pipeline().addLast(towardDownstream, up);
        ChannelFuture connect = new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(upstream);
        Channel server = connect.channel();
        Relay downRelay = new Relay(server, latency, downstreamBytes, downstreamCorrupter);
        server.pipeline().addLast(towardUpstream, downRelay);
        connect.addListener(done -> {
            if (!done.isSuccess() || !client.isActive()) {
                client.close();
                server.close();
                return;
            }
            Relay.pair(up, downRelay);
            relays.add(up);
            relays.add(downRelay);
            channels.add(client);
            channels.add(server);
            client.closeFuture().addListener(f -> forget(client, up));
            server.closeFuture().addListener(f -> forget(server, downRelay));
            boolean stalled = down == LinkSpec.Outage.Kind.STALL;
            up.stall(stalled);
            downRelay.stall(stalled);
        });
    }

    private void forget(Channel channel, Relay relay) {
        channels.remove(channel);
        relays.remove(relay);
    }

    private void begin(LinkSpec.Outage outage) {
        LOG.info("link: {} outage for {} ms", outage.kind(), outage.length().toMillis());
        down = outage.kind();
        current = outage;
        if (outage.kind() == LinkSpec.Outage.Kind.DISCONNECT) {
            List.copyOf(channels).forEach(Channel::close);
        } else {
            relays.forEach(r -> r.stall(true));
        }
        loop.schedule(() -> {
            if (current == outage) {
                end();
            }
        }, outage.length().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends the outage under way now, before its length is up (a fault held until something happened). */
    public void endOutage() {
        loop.submit(() -> {
            if (current != null) {
                end();
            }
        }).syncUninterruptibly();
    }

    private void end() {
        LOG.info("link: up again");
        down = null;
        current = null;
        List.copyOf(relays).forEach(r -> r.stall(false));
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        loop.submit(() -> List.copyOf(channels).forEach(Channel::close)).syncUninterruptibly();
        towardUpstream.release();
        towardDownstream.release();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
