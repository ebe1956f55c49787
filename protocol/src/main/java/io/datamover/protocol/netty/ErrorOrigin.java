package io.datamover.protocol.netty;

/** Who detected a protocol error: this side, or the peer (which said so in an ERROR frame). A metric tag. */
public enum ErrorOrigin {
    LOCAL, PEER
}
