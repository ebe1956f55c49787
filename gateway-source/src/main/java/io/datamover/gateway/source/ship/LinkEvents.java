package io.datamover.gateway.source.ship;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.VerifyAnswer;
import io.netty.channel.Channel;

/** What a connection to the target reports to the shipper; called on the link's event loop. */
interface LinkEvents {
    /** The HELLO a new connection opens with: the group's history and the journal's seq now. */
    Hello hello();

    /**
     * The target accepted the handshake of {@code sent} on {@code channel}; returns the session acks are reported
     * against, or throws to refuse the answer (its history does not agree with ours).
     */
    TargetSession handshaken(Channel channel, Hello sent, HelloAck ack, Handshake.Agreement agreement)
            throws ProtocolException;

    /** The target closed the connection opened with {@code sent} with {@code error}. */
    void refused(Hello sent, ErrorFrame error);

    /** The target acknowledged batches of {@code session}; throws when the ack is impossible. */
    void acknowledged(TargetSession session, Ack ack) throws ProtocolException;

    /** The target says it has applied everything up to {@code seq} (its heartbeat). */
    void targetApplied(long seq);

    /** The target reported what the resync after a discard of the replica's data must cover. */
    void resyncRegions(ResyncRegions regions) throws ProtocolException;

    /** The target's answer to an online-verify request. */
    void verifyAnswered(VerifyAnswer answer);

    /** {@code channel} is closed, whatever the reason. */
    void disconnected(Channel channel);

    /** Highest seq shipped so far, for heartbeats. */
    long lastSentSeq();

    /** Wire bytes of the batches in flight, waiting for a DURABLE ack. */
    long bytesInFlight();
}
