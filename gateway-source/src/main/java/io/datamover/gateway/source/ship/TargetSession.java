package io.datamover.gateway.source.ship;

import io.netty.channel.Channel;

/**
 * One handshaken connection to the target: where it resumes, whether batches may be LZ4, and how
 * far this connection has shipped. Created on the event loop, adopted by the shipper's thread.
 */
final class TargetSession {
    final Channel channel;
    /** Highest seq the target held durably at the handshake; shipping starts after it. */
    final long resumeSeq;
    final boolean lz4;
    /** Highest seq sent on this connection (resumeSeq before the first batch); written by the shipper. */
    volatile long lastSentSeq;
    /** Set once the target acknowledged a batch of this connection as durable. */
    volatile boolean acknowledgedDurable;

    TargetSession(Channel channel, long resumeSeq, boolean lz4) {
        this.channel = channel;
        this.resumeSeq = resumeSeq;
        this.lz4 = lz4;
        this.lastSentSeq = resumeSeq;
    }

    boolean isOpen() {
        return channel.isActive();
    }
}
