package io.datamover.gateway.source.ship;

import io.datamover.protocol.Ack;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.netty.channel.Channel;

/** What a connection to the target reports to the shipper; called on the link's event loop. */
interface LinkEvents {
    /** The target accepted the handshake on {@code channel}; returns the session acks are reported against. */
    TargetSession handshaken(Channel channel, HelloAck ack, Handshake.Agreement agreement) throws ProtocolException;

    /** The target acknowledged batches of {@code session}; throws when the ack is impossible. */
    void acknowledged(TargetSession session, Ack ack) throws ProtocolException;

    /** The target says it has applied everything up to {@code seq} (its heartbeat). */
    void targetApplied(long seq);

    /** {@code channel} is closed, whatever the reason. */
    void disconnected(Channel channel);

    /** Highest seq shipped so far, for heartbeats. */
    long lastSentSeq();

    /** Wire bytes of the batches in flight, waiting for a DURABLE ack. */
    long bytesInFlight();
}
