package io.datamover.protocol.netty;

import io.datamover.protocol.tls.TlsRefusal;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what a gateway listener holds for peers it does not know yet ({@link ListenerLimits}): a connection past
 * the cap on connections, or on unfinished handshakes, is closed at accept, before any byte of it is read; a
 * connection that has not sent a whole HELLO within the HELLO timeout is closed, however slowly it dribbles (the
 * read-idle timeout alone resets on every byte). The TLS layer's refusals ({@link #tlsRefusals()}: plaintext, failed
 * or slow handshakes, certificates without an identity) go the same way. Each refusal is counted by the listener's
 * callback (a metric by reason); the log gets one line per {@link #LOG_INTERVAL_NANOS} at most, with the refusals since the last one, so a
 * flood cannot flood the log. Connections already streaming are never touched.
 *
 * <p>Each accepted connection gets its own handler from {@link #newHandler()}, first in its pipeline. The session
 * reports its handshake's progress with {@link #helloReceived} (the HELLO timer stops: the wait for the HELLO's
 * group to open is the gateway's, not the peer's) and {@link #handshakeFinished} (the handshake slot is free).
 */
public final class ListenerGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerGuard.class);
    /**
     * The gateways' counter of refusals, tagged {@code listener} and {@code reason} ({@link Refusal#tag}, or
     * {@link TlsRefusal#tag}).
     */
    public static final String METRIC = "datamover.listener.refused";
    /** One log line per this long at most, whatever the rate of refusals. */
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Why a connection was closed by the guard; the metric's {@code reason} tag. */
    public enum Refusal {
        CONNECTIONS("connections"), HANDSHAKES("handshakes"), HELLO_TIMEOUT("hello-timeout");

        private final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }

        /** The metric tag and log word. */
        public String tag() {
            return tag;
        }
    }

    private final String listener;
    private final ListenerLimits limits;
    private final Consumer<String> counter;
    private final LongSupplier nanoTime;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    /** Refusals not yet in a log line, by reason tag. */
    private final Map<String, AtomicLong> unlogged = new ConcurrentSkipListMap<>();
    private final AtomicLong nextLogNanos;

    /**
     * @param listener the listener's name in log lines (e.g. "taps")
     * @param counter counts each refusal by its reason tag (any event loop thread)
     */
    public ListenerGuard(String listener, ListenerLimits limits, Consumer<String> counter) {
        this(listener, limits, counter, System::nanoTime);
    }

    ListenerGuard(String listener, ListenerLimits limits, Consumer<String> counter, LongSupplier nanoTime) {
        this.listener = listener;
        this.limits = limits;
        this.counter = counter;
        this.nanoTime = nanoTime;
        this.nextLogNanos = new AtomicLong(nanoTime.getAsLong());
    }

    /** The handler of one accepted connection; add it first in the connection's pipeline. */
    public ChannelHandler newHandler() {
        return new Slot();
    }

    /** Connections open on the listener now. */
    public int connections() {
        return connections.get();
    }

    /** Connections whose handshake is unfinished now. */
    public int handshakes() {
        return handshakes.get();
    }

    /** The session of {@code pipeline} has its peer's whole HELLO: the HELLO timer stops. On the event loop. */
    public static void helloReceived(ChannelPipeline pipeline) {
        Slot slot = pipeline.get(Slot.class);
        if (slot != null) {
            slot.stopDeadline();
        }
    }

    /** The session of {@code pipeline} accepted its peer's HELLO: the handshake slot is free. On the event loop. */
    public static void handshakeFinished(ChannelPipeline pipeline) {
        Slot slot = pipeline.get(Slot.class);
        if (slot != null) {
            slot.stopDeadline();
            slot.releaseHandshake();
        }
    }

    /** Where the TLS layer of this listener's connections reports its refusals: counted and logged as the guard's. */
    public TlsRefusal.Listener tlsRefusals() {
        return (reason, channel, detail) -> refused(reason.tag(), channel.remoteAddress(), detail);
    }

    private void refused(String reason, Object peer, String detail) {
        counter.accept(reason);
        unlogged.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        long now = nanoTime.getAsLong();
        long next = nextLogNanos.get();
        if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
            StringBuilder counts = new StringBuilder();
            for (Map.Entry<String, AtomicLong> e : unlogged.entrySet()) {
                long n = e.getValue().getAndSet(0);
                if (n > 0) {
                    counts.append(counts.isEmpty() ? "" : ", ").append(n).append(' ').append(e.getKey());
                }
            }
            LOG.warn("{} listener closed connections ({}; latest from {}: {}); limits: {} connections, {} unfinished "
                    + "handshakes, HELLO within {} ms; this line comes at most every {} s", listener, counts, peer,
                    detail, limits.maxConnections(), limits.maxHandshakes(), limits.helloTimeoutMs(),
                    TimeUnit.NANOSECONDS.toSeconds(LOG_INTERVAL_NANOS));
        }
    }

    /** One connection's claim on the listener's caps, from accept to close. Event loop only. */
    private final class Slot extends ChannelInboundHandlerAdapter {
        private boolean holdsConnection;
        private boolean holdsHandshake;
        private ScheduledFuture<?> deadline;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            holdsConnection = true;
            if (connections.incrementAndGet() > limits.maxConnections()) {
                refuse(ctx, Refusal.CONNECTIONS);
                return;
            }
            holdsHandshake = true;
            if (handshakes.incrementAndGet() > limits.maxHandshakes()) {
                refuse(ctx, Refusal.HANDSHAKES);
                return;
            }
            deadline = ctx.executor().schedule(() -> {
                if (ctx.channel().isActive()) {
                    refuse(ctx, Refusal.HELLO_TIMEOUT);
                }
            }, limits.helloTimeoutMs(), TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        /** Closes without a word: the session has not seen the connection, and a flood gets nothing to read. */
        private void refuse(ChannelHandlerContext ctx, Refusal reason) {
            refused(reason.tag(), ctx.channel().remoteAddress(), reason.tag());
            ctx.close();
        }

        void stopDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        void releaseHandshake() {
            if (holdsHandshake) {
                holdsHandshake = false;
                handshakes.decrementAndGet();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stopDeadline();
            releaseHandshake();
            if (holdsConnection) {
                holdsConnection = false;
                connections.decrementAndGet();
            }
            ctx.fireChannelInactive();
        }
    }
}
