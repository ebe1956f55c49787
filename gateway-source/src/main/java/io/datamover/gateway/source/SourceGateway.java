package io.datamover.gateway.source;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.GroupLeadershipStatus;
import io.datamover.gateway.source.receiver.ReceiverMetrics;
import io.datamover.gateway.source.receiver.TapSessionHandler;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ListenerGuard;
import io.datamover.protocol.tls.HelloAuthorization;
import io.datamover.gateway.source.ship.LinkThrottle;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source gateway daemon ({@code datamover source-gateway}): taps connect to it, their records are journaled
 * per consistency group and acknowledged once durable, and each group's shipper drains its journal to the
 * target gateway.
 */
public final class SourceGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceGateway.class);

    private final SourceGatewayConfig config;
    private final GroupRegistry groups;
    private final EventLoopGroup eventLoops;
    /** Open tap connections, closed at shutdown. */
    private final ChannelGroup taps;
    private final Channel server;

    private SourceGateway(SourceGatewayConfig config, GroupRegistry groups, EventLoopGroup eventLoops,
            ChannelGroup taps, Channel server) {
        this.config = config;
        this.groups = groups;
        this.eventLoops = eventLoops;
        this.taps = taps;
        this.server = server;
    }

    /** Opens the groups found in the data directory, then listens for taps. */
    public static SourceGateway start(SourceGatewayConfig config, MeterRegistry registry, InstantSource clock)
            throws IOException, InterruptedException {
        GroupRegistry groups = new GroupRegistry(config, registry, clock, () -> GroupGates.start(config, registry));
        EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("source-gateway-io"),
                NioIoHandler.newFactory());
        try {
            groups.openExisting();
            ReceiverMetrics metrics = new ReceiverMetrics(registry);
            LinkThrottle throttle = config.shipper().throttle();
            Gauge.builder("datamover.source.max.rate.bytes.per.second", () -> throttle.bytesPerSecondAt(clock.instant()))
                    .description("the link's rate limit in force, wire bytes per second to the target (0: unlimited)")
                    .register(registry);
            Gauge.builder("datamover.source.max.rate.lifted", () -> throttle.lifted() ? 1 : 0)
                    .description("1 while the RPO-driven mode lifts the link's rate limit to its ceiling")
                    .register(registry);
            HelloAuthorization authorization = new HelloAuthorization(Role.TAP, Optional.ofNullable(config.pairId()),
                    config.transport());
            ChannelGroup taps = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            ListenerGuard guard = new ListenerGuard("taps", config.listenerLimits(), reason -> registry.counter(
                    ListenerGuard.METRIC, "listener", "taps", "reason", reason).increment());
            Channel server = new ServerBootstrap()
                    .group(eventLoops)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            taps.add(ch);
                            ch.pipeline().addLast(guard.newHandler());
                            // TLS behind the guard: a slow handshake holds an unfinished-handshake slot and runs
                            // under the HELLO timeout.
                            config.transport().secureServer(ch, config.listenerLimits().helloTimeoutMs(),
                                    guard.tlsRefusals());
                            ch.pipeline().addLast(
                                    new IdleStateHandler(config.readIdleTimeoutMs(), config.heartbeatIntervalMs(), 0,
                                            TimeUnit.MILLISECONDS),
                                    FrameDecoder.untilHandshake(config.frameLimits()),
                                    new FrameEncoder(),
                                    new TapSessionHandler(config.gatewayId(), authorization, groups, metrics,
                                            clock));
                        }
                    })
                    .bind(config.listen())
                    .sync()
                    .channel();
            SourceGateway gateway = new SourceGateway(config, groups, eventLoops, taps, server);
            LOG.info("source gateway {} listening for taps on {}, data in {}; {}; {}; link {}", config.gatewayId(),
                    server.localAddress(), config.dataDir(), config.listenerLimits(), config.transport(),
                    throttle.describe(clock.instant()));
            return gateway;
        } catch (IOException | InterruptedException | RuntimeException e) {
            groups.close();
            eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The status of every consistency group this gateway holds, ordered by cg id; from any thread. */
    public List<SourceGroupStatus> consistencyGroups() {
        return groups.statuses();
    }

    /** The status of consistency group {@code cgId}, if this gateway holds it. */
    public Optional<SourceGroupStatus> consistencyGroup(int cgId) {
        return groups.statuses().stream().filter(s -> s.identity().cgId() == cgId).findFirst();
    }

    /** How this gateway coordinates with its site's other gateways ({@code --coordination}). */
    public CoordinationSettings coordination() {
        return config.coordination();
    }

    /** The ZooKeeper session's state (CONNECTED, SUSPENDED, LOST, ...), or null without {@code --coordination}. */
    public String coordinationSession() {
        return groups.gates().sessionState();
    }

    /**
     * The group's leadership in the site's gateway group (leader, epoch, standbys, takeovers; asks ZooKeeper), or null
     * without {@code --coordination}.
     */
    public GroupLeadershipStatus leadership(CgIdentity identity) {
        return groups.gates().leadership(identity);
    }

    /** The rate limit of the link to the target, shared by every group; its schedule can be replaced at run time. */
    public LinkThrottle throttle() {
        return config.shipper().throttle();
    }

    /**
     * {@code datamover resync --cg N --discard replica}: starts a generation that has the target give up what its
     * replicas hold beyond the common history and take this source's (docs/protocol.md, "Generations").
     *
     * @return what was done, for the operator
     * @throws java.util.NoSuchElementException when this gateway holds no such group
     * @throws IllegalStateException when the group is not refused as DIVERGED
     */
    public String discardReplica(int cgId) throws IOException {
        return groups.discardReplica(cgId);
    }

    /**
     * A planned migration's check of room for the reverse direction: null when this gateway could take group
     * {@code cgId} on as its source (none held, one more fits, room for its journal), else why not.
     */
    public String reverseRoom(int cgId) {
        return groups.reverseRoom(cgId);
    }

    /**
     * Reverse replication set up through this running gateway: group {@code cgId} seeded in its data directory,
     * continuing the promoted replicas' history after {@code promotedSeq}, and opened (docs/operations.md, "Reverse
     * replication"). Idempotent.
     *
     * @return what was done, for the operator
     * @throws IllegalStateException refused, nothing changed
     */
    public String seedReverse(String pairId, int cgId, List<DiskInfo> disks, GenerationHistory promoted,
            long promotedSeq) throws IOException {
        return groups.seedReverse(pairId, cgId, disks, promoted, promotedSeq);
    }

    /**
     * {@code datamover verify --cg N --online}: an online verify of group {@code cgId} through its tap's link and the
     * authenticated link to its target gateway.
     *
     * @throws java.util.NoSuchElementException when this gateway holds no such group now
     */
    public VerifyLink verifyLink(int cgId) {
        return groups.verifyLink(cgId);
    }

    /**
     * Stops accepting taps, closes their connections, then makes every group's journal durable and closes it.
     */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        taps.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        groups.close();
        LOG.info("source gateway {} stopped", config.gatewayId());
    }
}
