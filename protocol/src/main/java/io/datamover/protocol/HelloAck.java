package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The accepting side's answer to {@link Hello}: the revision and features both will use, and the
 * highest seq it already holds durably for the consistency group, so the sender resumes after it.
 * A refused hello is answered with an {@link ErrorFrame} instead.
 *
 * <p>Layout: protocol u16, features u64, role u8, receiverId (string), resumeSeq u64; from protocol revision
 * {@link Wire#PROTOCOL_GENERATIONS} on, the receiver's {@link GenerationHistory} (after it adopted the sender's,
 * when it did).
 */
public record HelloAck(int protocol, long features, Role role, String receiverId, long resumeSeq,
        GenerationHistory generations) implements Frame {

    /** An answer that carries no generation: a source gateway's to a tap. */
    public HelloAck(int protocol, long features, Role role, String receiverId, long resumeSeq) {
        this(protocol, features, role, receiverId, resumeSeq, GenerationHistory.NONE);
    }

    public HelloAck {
        if (protocol < 1 || protocol > 0xFFFF) {
            throw new IllegalArgumentException("bad protocol revision " + protocol);
        }
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        Names.requireId("receiverId", receiverId);
        if (resumeSeq < 0) {
            throw new IllegalArgumentException("resumeSeq must not be negative");
        }
        if (generations == null) {
            throw new IllegalArgumentException("generations is required (GenerationHistory.NONE for none)");
        }
        if (!Hello.carriesGenerations(protocol) && !generations.isNone()) {
            throw new IllegalArgumentException("protocol " + protocol + " has no generations");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO_ACK;
    }

    void writeBody(ByteBuf out) {
        out.writeShort(protocol);
        out.writeLong(features);
        out.writeByte(role.code());
        FieldWriter.string(out, receiverId);
        out.writeLong(resumeSeq);
        if (Hello.carriesGenerations(protocol)) {
            generations.write(out);
        }
    }

    static HelloAck readBody(FieldReader r) throws ProtocolException {
        int protocol = r.u16("protocol");
        long features = r.u64("features");
        int roleCode = r.u8("role");
        Role role = Role.fromCode(roleCode);
        if (role == null) {
            throw r.malformed("unknown role " + roleCode);
        }
        String receiverId = r.string("receiverId", Wire.MAX_ID_BYTES, false);
        long resumeSeq = r.positiveU64("resumeSeq");
        GenerationHistory generations = Hello.carriesGenerations(protocol) ? GenerationHistory.read(r)
                : GenerationHistory.NONE;
        return new HelloAck(protocol, features, role, receiverId, resumeSeq, generations);
    }
}
