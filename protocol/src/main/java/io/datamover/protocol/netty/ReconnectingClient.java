package io.datamover.protocol.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection to a peer up: connects, and whenever a connect fails or a connection closes, connects
 * again after the {@link ReconnectBackoff}'s wait, until closed. Owns its event loop (one thread: one stream to
 * move) and the socket options. The caller decides when a connection has worked well enough for the backoff to
 * start over ({@link #connectionWorked()}), so a peer that refuses every handshake is retried ever more slowly.
 *
 * <p>The peer may be reachable at several addresses (the gateways of a site, one of which leads the group): a failed
 * connect, or a connection closed before it worked (refused, for example with NOT_LEADER by a standby), moves on to
 * the next address; a connection that worked and then closed is tried again at the same address first. The backoff
 * grows once per round through the addresses, not once per address.
 *
 * <p>A gateway that does not lead the group may name the one that does (ERROR NOT_LEADER with the leader's address):
 * {@link #redirect} makes that address the next one tried, at once, even if it is not in the list (a gateway that
 * joined the site later). A redirect is a hint from a peer that has not been proved to be anything yet: at most
 * {@link #MAX_REDIRECTS} are followed in one round through the list, so two gateways naming each other cannot make
 * the client spin (the next round waits its backoff, and may follow redirects again: a hint that was stale, such as
 * a gateway that was stopping, does not lock the client out of the one that is right later); the TLS check is made
 * against the address redirected to.
 */
public final class ReconnectingClient {
    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingClient.class);

    /** What the owner hears about connections; on the event loop. */
    public interface Listener {
        /** A TCP connection is up (the handlers are in its pipeline). */
        default void connected(Channel channel) {
        }

        /** {@code channel} closed; a reconnect is scheduled right after this returns. */
        default void closed(Channel channel) {
        }

        /** A reconnect is scheduled (a metric). */
        void reconnectScheduled();
    }

    /** Fills the pipeline of a new connection to {@code address}. */
    @FunctionalInterface
    public interface PipelineFactory {
        void fill(ChannelPipeline pipeline, PeerAddress address);
    }

    /** Redirects followed in one round through the addresses. */
    static final int MAX_REDIRECTS = 3;
    private static final AttributeKey<ReconnectingClient> OWNER = AttributeKey.valueOf("datamover.reconnecting");

    private final String name;
    private final List<PeerAddress> addresses;
    private final ReconnectBackoff backoff;
    private final long closeTimeoutMs;
    private final Listener listener;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    // Event loop only, but close() reads them from another thread.
    private volatile boolean closed;
    private volatile Channel channel;
    private volatile ScheduledFuture<?> pendingReconnect;
    private int failedAttempts;
    /** Index into {@code addresses} of the one connected or being connected. Written on the event loop only. */
    private volatile int addressIndex;
    /** Whether the current connection worked ({@link #connectionWorked()}). Event loop only. */
    private boolean worked;
    /** The next connect goes to the next address of a round begun: no wait. Event loop only. */
    private boolean withinRound;
    /** Where the next connect goes instead of the list's address, once; null for none. Event loop only. */
    private PeerAddress redirect;
    /** The address being connected or connected now. */
    private volatile PeerAddress connecting;
    private int redirectsThisRound;

    /**
     * @param name how logs name the connection, e.g. {@code "cg 1: gateway 10.0.0.5:7000"}
     * @param threadName name of the event loop's thread
     * @param pipeline fills each new connection's pipeline
     */
    public ReconnectingClient(String name, String threadName, String host, int port, LinkSettings link,
            Consumer<ChannelPipeline> pipeline, Listener listener) {
        this(name, threadName, List.of(new PeerAddress(host, port)), link, (p, address) -> pipeline.accept(p),
                listener);
    }

    /**
     * @param addresses where the peer may be, tried in this order; at least one
     * @param pipeline fills each new connection's pipeline, knowing the address it connects to
     */
    public ReconnectingClient(String name, String threadName, List<PeerAddress> addresses, LinkSettings link,
            PipelineFactory pipeline, Listener listener) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException(name + ": no address to connect to");
        }
        this.name = name;
        this.addresses = List.copyOf(addresses);
        this.backoff = link.newBackoff();
        this.closeTimeoutMs = link.closeTimeoutMs();
        this.listener = listener;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName), NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, link.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Connects are one at a time, on the event loop: connecting is this channel's.
                        ch.attr(OWNER).set(ReconnectingClient.this);
                        pipeline.fill(ch.pipeline(), connecting);
                    }
                });
    }

    /** Sets a socket option for the connections to come; call before {@link #start()}. */
    public <T> ReconnectingClient option(ChannelOption<T> option, T value) {
        bootstrap.option(option, value);
        return this;
    }

    public void start() {
        group.execute(this::connect);
    }

    /** Runs {@code task} on the event loop after {@code delayMs}. */
    public void schedule(Runnable task, long delayMs) {
        group.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    }

    /** The current connection worked: the next failure waits the initial delay again. Event loop only. */
    public void connectionWorked() {
        if (failedAttempts > 0) {
            LOG.info("{}: connected after {} failed attempts", name, failedAttempts);
        }
        failedAttempts = 0;
        worked = true;
        backoff.reset();
    }

    /**
     * The peer on {@code channel} (a connection of a ReconnectingClient) named where to go instead: the next connect
     * goes there, without waiting. On the channel's event loop; ignored for another channel, or past
     * {@link #MAX_REDIRECTS} in this round through the addresses.
     */
    public static void redirect(Channel channel, PeerAddress address) {
        ReconnectingClient client = channel.attr(OWNER).get();
        if (client == null) {
            return;
        }
        if (client.redirectsThisRound >= MAX_REDIRECTS) {
            LOG.warn("{}: not redirected to {}: {} redirects followed in this round already", client.name, address,
                    client.redirectsThisRound);
            return;
        }
        client.redirectsThisRound++;
        client.redirect = address;
        LOG.info("{}: redirected to {}", client.name, address);
    }

    /** The address of the connection up or being made; from any thread, for status and logs. */
    public PeerAddress currentAddress() {
        PeerAddress now = connecting;
        return now != null ? now : addresses.get(addressIndex);
    }

    /**
     * Stops reconnecting, closes the connection (after sending what is queued when {@code sendQueuedFirst}) and
     * the event loop, waiting about the link's close timeout for each.
     */
    public void close(boolean sendQueuedFirst) {
        long timeoutMs = closeTimeoutMs;
        closed = true;
        ScheduledFuture<?> reconnect = pendingReconnect;
        if (reconnect != null) {
            reconnect.cancel(false);
        }
        Channel current = channel;
        if (current != null && sendQueuedFirst) {
            // An empty flush behind the queued frames: closing after it sends them first.
            current.writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(f -> current.close())
                    .channel().closeFuture().awaitUninterruptibly(timeoutMs);
            current.close();
        } else if (current != null) {
            current.close().awaitUninterruptibly(timeoutMs);
        }
        group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs + 1_000);
    }

    private void connect() {
        if (closed) {
            return;
        }
        worked = false;
        PeerAddress address = redirect != null ? redirect : addresses.get(addressIndex);
        redirect = null;
        connecting = address;
        bootstrap.connect(address.host(), address.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                connectFailed(address, f.cause());
                return;
            }
            Channel connected = f.channel();
            channel = connected;
            listener.connected(connected);
            connected.closeFuture().addListener(done -> {
                listener.closed(connected);
                if (!worked && redirect == null) {
                    nextAddress(); // refused before it worked (a standby's NOT_LEADER, say): try the next one
                }
                scheduleReconnect();
            });
            if (closed) {
                connected.close();
            }
        });
    }

    private void connectFailed(PeerAddress address, Throwable cause) {
        // The first failure of a streak is worth a warning; the retries behind it only a debug line.
        if (failedAttempts++ == 0) {
            LOG.warn("{}: cannot connect to {}: {}; retrying with backoff", name, address, cause.toString());
        } else {
            LOG.debug("{}: connect attempt {} to {} failed: {}", name, failedAttempts, address, cause.toString());
        }
        nextAddress();
        scheduleReconnect();
    }

    /** Moves on to the next address, round and round. */
    private void nextAddress() {
        addressIndex = (addressIndex + 1) % addresses.size();
        withinRound = addressIndex != 0;
    }

    private void scheduleReconnect() {
        channel = null;
        if (closed || group.isShuttingDown()) {
            return;
        }
        // Within a round through several addresses the next one is tried at once; each new round waits longer.
        boolean newRound = !withinRound && redirect == null;
        long delayMs = newRound ? backoff.nextDelayMs() : 0;
        if (newRound) {
            redirectsThisRound = 0;
        }
        withinRound = false;
        listener.reconnectScheduled();
        LOG.debug("{}: reconnecting in {} ms", name, delayMs);
        pendingReconnect = group.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
    }
}
