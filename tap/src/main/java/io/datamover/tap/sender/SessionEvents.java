package io.datamover.tap.sender;

import io.datamover.protocol.Ack;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Frame;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.VerifyAnswer;
import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;

/** What one gateway connection reports to the stream state it feeds; called on the event loop. */
interface SessionEvents {
    /** The gateway accepted the handshake on {@code channel}; throws when its resume point is impossible. */
    void handshaken(Channel channel, HelloAck ack) throws ProtocolException;

    /** The gateway acknowledged records; throws when the ack breaks monotonicity or covers unsent records. */
    void acknowledged(Ack ack) throws ProtocolException;

    /** The gateway closed the connection with an ERROR of this code. */
    void refused(ErrorCode code);

    /** The gateway sent what a RESYNC_REQUIRED that follows asks to resync. */
    void resyncRegions(ResyncRegions regions);

    /** The gateway's VERIFY_REQUEST or VERIFY_REPAIR: completes with the answer to send back. */
    CompletableFuture<VerifyAnswer> verify(Frame request);

    /** {@code channel} is closed, whatever the reason. */
    void disconnected(Channel channel);

    /** Highest seq handed to a connection so far, for heartbeats. */
    long lastSentSeq();

    /** Encoded bytes of records sent and not yet acknowledged DURABLE. */
    long unacknowledgedBytes();
}
