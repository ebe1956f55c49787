package io.datamover.gateway.source.ship;

import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ReconnectingClient;
import io.datamover.protocol.tls.TlsRefusal;
import io.netty.channel.Channel;
import java.time.InstantSource;

/**
 * Keeps one connection to the target gateway up for one consistency group (a {@link ReconnectingClient}): to the one
 * of the recovery site's target gateways that leads the group, following a NOT_LEADER's redirect. The
 * backoff starts over only after a connection made progress (the target acknowledged a batch) or stayed up for
 * the longest wait, so a target that refuses every handshake or every batch (WRONG_PAIR, SEQ_GAP) is retried
 * ever more slowly, never in a tight loop.
 */
final class TargetLink implements AutoCloseable, ReconnectingClient.Listener {
    /** The target sends only handshake answers, acks, heartbeats and errors: small frames. */
    private static final FrameLimits INBOUND_LIMITS = new FrameLimits(64 * 1024, 1024);

    private final ShipperConfig config;
    private final ShipperMetrics metrics;
    private final InstantSource clock;
    private final ReconnectingClient client;
    // Event loop only: the current connection's handler and when it came up.
    private TargetSessionHandler handler;
    private long connectedAtMillis;

    TargetLink(ShipperConfig config, Hello hello, LinkEvents events, ShipperMetrics metrics, InstantSource clock) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        FrameEncoder encoder = new FrameEncoder();
        String name = "cg " + hello.cgId() + ": target " + config.target();
        TlsRefusal.Listener tlsRefusals = TlsRefusal.loggedAndCounted(name, metrics::tlsRefused);
        this.client = new ReconnectingClient(name, "shipper-link-" + hello.cgId(), config.targets(), config.link(),
                // The idle handler after the decoder: the target is taken for dead after the read timeout without a
                // whole frame, not without a byte. A length field damaged on the wire (within the bound) would
                // otherwise swallow the target's acks and heartbeats into one endless frame, both ends still busy.
                // Everything the target sends is small, so a whole frame is never slow to arrive.
                (pipeline, address) -> {
                    // TLS first: the target must prove it is a target gateway of this group's pair.
                    config.transport().secureClient(pipeline.channel(), address.host(), address.port(),
                            Role.TARGET_GATEWAY, hello.pairId(), config.link().readIdleTimeoutMs(), tlsRefusals);
                    pipeline.addLast(
                            FrameDecoder.untilHandshake(INBOUND_LIMITS),
                            config.link().newIdleStateHandler(),
                            encoder,
                            new TargetSessionHandler(hello, config, events, metrics, clock));
                },
                this);
    }

    void start() {
        client.start();
    }

    @Override
    public void connected(Channel channel) {
        handler = channel.pipeline().get(TargetSessionHandler.class);
        connectedAtMillis = clock.millis();
    }

    @Override
    public void closed(Channel channel) {
        boolean healthy = (handler != null && handler.madeProgress())
                || clock.millis() - connectedAtMillis >= config.link().reconnectMaxDelayMs();
        if (healthy) {
            client.connectionWorked();
        }
        handler = null;
    }

    @Override
    public void reconnectScheduled() {
        metrics.reconnectScheduled();
    }

    /** Stops reconnecting, closes the connection and the event loop. */
    @Override
    public void close() {
        client.close(false);
    }
}
