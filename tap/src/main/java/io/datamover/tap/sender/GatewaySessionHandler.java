package io.datamover.tap.sender;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.netty.ClientSessionHandler;
import io.netty.channel.Channel;
import java.time.InstantSource;

/**
 * One connection to the gateway, from the tap's side: the shared client session (HELLO, heartbeats, errors)
 * plus the tap's own demand that the gateway checks payload CRCs. The decisions about the stream are the
 * {@link SessionEvents}' to make.
 */
final class GatewaySessionHandler extends ClientSessionHandler {
    private final SessionEvents events;
    private final SenderMetrics metrics;

    GatewaySessionHandler(SenderConfig config, SessionEvents events, SenderMetrics metrics, InstantSource clock) {
        super(config.hello(), Role.SOURCE_GATEWAY, "gateway " + config.gatewaysText(),
                config.link(), clock, metrics::protocolError);
        this.events = events;
        this.metrics = metrics;
    }

    @Override
    protected void handshaken(Channel channel, HelloAck ack, Handshake.Agreement agreement) throws ProtocolException {
        if (!agreement.has(Feature.PAYLOAD_CRC)) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "gateway " + ack.receiverId()
                    + " does not check payload CRCs (feature PAYLOAD_CRC), which every record carries");
        }
        events.handshaken(channel, ack);
    }

    @Override
    protected void acknowledged(Ack ack) throws ProtocolException {
        events.acknowledged(ack);
    }

    @Override
    protected long lastSentSeq() {
        return events.lastSentSeq();
    }

    @Override
    protected void disconnected(Channel channel) {
        events.disconnected(channel);
    }

    @Override
    protected long unacknowledgedBytes() {
        return events.unacknowledgedBytes();
    }

    @Override
    protected void ackTimedOut() {
        metrics.ackTimedOut();
    }

    /** Before HELLO_ACK too: it precedes the ERROR RESYNC_REQUIRED that answers the HELLO. */
    @Override
    protected void resyncRegions(ResyncRegions regions, boolean handshaken) {
        events.resyncRegions(regions);
    }

    /** Answered on the connection it came on, once the tap has read or marked (never on the event loop). */
    @Override
    protected void verify(Channel channel, Frame frame) throws ProtocolException {
        if (frame instanceof VerifyAnswer) {
            super.verify(channel, frame); // a tap asks its gateway nothing
            return;
        }
        events.verify(frame).thenAccept(answer -> {
            if (channel.isActive()) {
                channel.writeAndFlush(answer, channel.voidPromise());
            }
        });
    }

    @Override
    protected void refused(ErrorCode code) {
        events.refused(code);
    }
}
