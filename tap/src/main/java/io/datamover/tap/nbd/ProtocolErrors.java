package io.datamover.tap.nbd;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input from a client: every case gets a log line naming the peer and a count in
 * {@code datamover.tap.protocol.errors{reason}}; fatal ones also close that one connection.
 */
final class ProtocolErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrors.class);
    static final String METRIC = "datamover.tap.protocol.errors";

    private final MeterRegistry registry;

    ProtocolErrors(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The client broke the protocol in a way that ends the connection. */
    void fatal(ChannelHandlerContext ctx, String reason, String detail) {
        count(reason);
        LOG.warn("closing NBD connection from {}: {} ({})", ctx.channel().remoteAddress(), detail, reason);
        ctx.close();
    }

    /** The client sent a request or option the tap refuses with an error reply; the connection goes on. */
    void rejected(ChannelHandlerContext ctx, String reason, String detail) {
        count(reason);
        LOG.warn("rejected from NBD client {}: {} ({})", ctx.channel().remoteAddress(), detail, reason);
    }

    private void count(String reason) {
        registry.counter(METRIC, "reason", reason).increment();
    }
}
