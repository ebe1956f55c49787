package io.datamover.gateway.source.ship;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.netty.ClientSessionHandler;
import io.netty.channel.Channel;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;

/**
 * One connection to the target gateway, from the shipper's side: the shared client session (HELLO from a
 * TARGET_GATEWAY, heartbeats, errors) reporting to the shipper's {@link LinkEvents}. The target's heartbeats carry
 * its applied seq.
 */
final class TargetSessionHandler extends ClientSessionHandler {
    private final LinkEvents events;
    private final ShipperMetrics metrics;
    private final InstantSource clock;
    private TargetSession session;

    TargetSessionHandler(Hello hello, ShipperConfig config, LinkEvents events, ShipperMetrics metrics,
            InstantSource clock) {
        super(hello, Role.TARGET_GATEWAY, "target " + config.target(), config.link(), clock,
                metrics::protocolError);
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** True once the target acknowledged a batch of this connection as durable. */
    boolean madeProgress() {
        return session != null && session.acknowledgedDurable;
    }

    /**
     * Also sends a heartbeat at once: the target answers it with its applied seq, so a restarted source gateway
     * knows how far the replica is before any new write brings an APPLIED ack.
     */
    @Override
    protected void handshaken(Channel channel, HelloAck ack, Handshake.Agreement agreement) throws ProtocolException {
        session = events.handshaken(channel, sentHello(), ack, agreement);
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
        channel.writeAndFlush(new Heartbeat(nowMicros, ack.resumeSeq()), channel.voidPromise());
    }

    @Override
    protected void resyncRegions(ResyncRegions regions, boolean handshaken) throws ProtocolException {
        if (!handshaken) {
            super.resyncRegions(regions, false);
        }
        events.resyncRegions(regions);
    }

    /** The target's VERIFY_ANSWER; it asks nothing of a source. */
    @Override
    protected void verify(Channel channel, Frame frame) throws ProtocolException {
        if (!(frame instanceof VerifyAnswer answer)) {
            super.verify(channel, frame);
            return;
        }
        events.verifyAnswered(answer);
    }

    @Override
    protected Hello helloToSend() {
        return events.hello();
    }

    @Override
    protected void refused(ErrorFrame error) {
        events.refused(sentHello(), error);
    }

    @Override
    protected void heartbeat(Heartbeat heartbeat) {
        events.targetApplied(heartbeat.lastSeq());
    }

    @Override
    protected void acknowledged(Ack ack) throws ProtocolException {
        events.acknowledged(session, ack);
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
        return events.bytesInFlight();
    }

    @Override
    protected void ackTimedOut() {
        metrics.ackTimedOut();
    }
}
