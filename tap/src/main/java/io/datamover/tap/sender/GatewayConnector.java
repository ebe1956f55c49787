package io.datamover.tap.sender;

import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.netty.ReconnectingClient;
import io.datamover.protocol.tls.TlsRefusal;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.function.Supplier;

/** The tap's connection to its gateway: a {@link ReconnectingClient} with the sender's pipeline and options. */
final class GatewayConnector {
    private GatewayConnector() {}

    static ReconnectingClient create(SenderConfig config, SenderMetrics metrics,
            Supplier<ChannelHandler> sessionHandlers) {
        FrameEncoder encoder = new FrameEncoder();
        String name = "cg " + config.cgId() + ": gateway " + config.gatewaysText();
        TlsRefusal.Listener tlsRefusals = TlsRefusal.loggedAndCounted(name, metrics::tlsRefused);
        return new ReconnectingClient(name, "gateway-sender-" + config.cgId(), config.gateways(), config.link(),
                (pipeline, gateway) -> {
                    // TLS first: the gateway must prove it is a source gateway of this tap's pair.
                    config.transport().secureClient(pipeline.channel(), gateway.host(), gateway.port(),
                            Role.SOURCE_GATEWAY, config.pairId(), config.link().readIdleTimeoutMs(), tlsRefusals);
                    pipeline.addLast(
                            // Records arrive as one writeAndFlush each; coalesce their syscalls.
                            new FlushConsolidationHandler(
                                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                            config.link().newIdleStateHandler(),
                            FrameDecoder.untilHandshake(config.frameLimits()),
                            encoder,
                            sessionHandlers.get());
                },
                metrics::reconnectScheduled)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMarkBytes(), config.writeBufferHighWaterMarkBytes()));
    }
}
