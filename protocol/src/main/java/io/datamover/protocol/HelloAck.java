package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The accepting side's answer to {@link Hello}: the revision and features both will use, and the
 * highest seq it already holds durably for the consistency group, so the sender resumes after it.
 * A refused hello is answered with an {@link ErrorFrame} instead.
 *
 * <p>Layout: protocol u16, features u64, role u8, receiverId (string), resumeSeq u64; from protocol revision
 * {@link Wire#PROTOCOL_GENERATIONS} on, the receiver's {@link GenerationHistory} (after it adopted the sender's,
 * when it did); when {@code features} has {@link Feature#LEADER_EPOCH}, {@code epoch} u64 last.
 *
 * @param epoch the epoch under which the receiver leads the group in its site's gateway group (0: not coordinated);
 *     on the wire only with {@link Feature#LEADER_EPOCH}
 */
public record HelloAck(int protocol, long features, Role role, String receiverId, long resumeSeq,
        GenerationHistory generations, long epoch) implements Frame {

    /** An answer that carries no epoch. */
    public HelloAck(int protocol, long features, Role role, String receiverId, long resumeSeq,
            GenerationHistory generations) {
        this(protocol, features, role, receiverId, resumeSeq, generations, 0);
    }

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
        if (epoch < 0 || epoch != 0 && !Feature.LEADER_EPOCH.in(features)) {
            throw new IllegalArgumentException("epoch " + epoch + " needs feature LEADER_EPOCH and is not negative");
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
        if (Feature.LEADER_EPOCH.in(features)) {
            out.writeLong(epoch);
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
        long epoch = Feature.LEADER_EPOCH.in(features) ? r.positiveU64("epoch") : 0;
        return new HelloAck(protocol, features, role, receiverId, resumeSeq, generations, epoch);
    }
}
