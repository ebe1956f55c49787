package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Acknowledges every record of a consistency group up to and including {@code seq}, with the
 * promise {@code scope} names (durable in the journal, or applied to the replica).
 *
 * <p>Layout: cg u32, seq u64, scope u8.
 */
public record Ack(int cg, long seq, AckScope scope) implements Frame {
    public Ack {
        if (seq < 0 || scope == null) {
            throw new IllegalArgumentException("a non-negative seq and a scope are required");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.ACK;
    }

    void writeBody(ByteBuf out) {
        out.writeInt(cg);
        out.writeLong(seq);
        out.writeByte(scope.code());
    }

    static Ack readBody(FieldReader r) throws ProtocolException {
        int cg = r.bits32("cg");
        long seq = r.positiveU64("seq");
        int scopeCode = r.u8("scope");
        AckScope scope = AckScope.fromCode(scopeCode);
        if (scope == null) {
            throw r.malformed("unknown ack scope " + scopeCode);
        }
        return new Ack(cg, seq, scope);
    }
}
