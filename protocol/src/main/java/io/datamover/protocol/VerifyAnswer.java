package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The answer to a {@link VerifyRequest} or a {@link VerifyRepair}, with its {@code requestId}: the digests in region
 * order (SHA-256, as lowercase hex here, 32 bytes each on the wire; none for a repair, fewer than asked where the disk
 * ends), or a refusal saying why ({@code refused}, {@code message}). From a tap: {@code consistent} when its group
 * streamed throughout the read, {@code stretch} the stretch of STREAMING it was in, {@code seq} the last seq given to a
 * write once the read ended. From a target gateway: {@code consistent} when every replica of the group was UP_TO_DATE,
 * {@code seq} the applied seq the replica showed, {@code stretch} 0.
 *
 * <p>Layout: requestId u64, cg u32, refused u8 (0 or 1), consistent u8 (0 or 1), stretch u64, seq u64, bytesRead u64,
 * digestCount u32 (at most {@link VerifyRequest#MAX_REGIONS}; 0 when refused), digestCount times 32 bytes, message
 * (string of at most 1024 UTF-8 bytes; empty unless refused).
 */
public record VerifyAnswer(long requestId, int cg, boolean refused, boolean consistent, long stretch, long seq,
        long bytesRead, List<String> digests, String message) implements Frame {
    static final int DIGEST_BYTES = 32;
    private static final Pattern HEX_DIGEST = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    public VerifyAnswer {
        digests = List.copyOf(digests);
        if (requestId < 0 || stretch < 0 || seq < 0 || bytesRead < 0) {
            throw new IllegalArgumentException("requestId, stretch, seq and bytesRead must not be negative");
        }
        if (digests.size() > VerifyRequest.MAX_REGIONS || refused && !digests.isEmpty()) {
            throw new IllegalArgumentException("an answer carries at most " + VerifyRequest.MAX_REGIONS
                    + " digests, and a refusal none: " + digests.size());
        }
        for (String digest : digests) {
            if (!HEX_DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("not a SHA-256 digest in lowercase hex: " + digest);
            }
        }
        if (refused == message.isEmpty()) {
            throw new IllegalArgumentException("a refusal says why, an answer says nothing: '" + message + "'");
        }
        if (refused) {
            Names.requireName("verify refusal", message, Wire.MAX_ERROR_MESSAGE_BYTES);
        }
    }

    /** Digests of request {@code requestId} of group {@code cg}. */
    public static VerifyAnswer digests(long requestId, int cg, boolean consistent, long stretch, long seq,
            long bytesRead, List<String> digests) {
        return new VerifyAnswer(requestId, cg, false, consistent, stretch, seq, bytesRead, digests, "");
    }

    /** Done, with nothing to say: a repair's answer. */
    public static VerifyAnswer done(long requestId, int cg) {
        return digests(requestId, cg, true, 0, 0, 0, List.of());
    }

    /** Request {@code requestId} refused: {@code why}, cut to fit and cleaned as an ERROR's message. */
    public static VerifyAnswer refused(long requestId, int cg, String why) {
        return new VerifyAnswer(requestId, cg, true, false, 0, 0, 0, List.of(),
                ErrorFrame.of(ErrorCode.INTERNAL, why).message());
    }

    /** The refusal of {@code request}, a VERIFY_REQUEST or a VERIFY_REPAIR. */
    public static VerifyAnswer refusing(Frame request, String why) {
        return switch (request) {
            case VerifyRequest asked -> refused(asked.requestId(), asked.cg(), why);
            case VerifyRepair repair -> refused(repair.requestId(), repair.cg(), why);
            default -> throw new IllegalArgumentException(request.type() + " is not answered by a VERIFY_ANSWER");
        };
    }

    @Override
    public FrameType type() {
        return FrameType.VERIFY_ANSWER;
    }

    void writeBody(ByteBuf out) {
        out.writeLong(requestId);
        out.writeInt(cg);
        out.writeByte(refused ? 1 : 0);
        out.writeByte(consistent ? 1 : 0);
        out.writeLong(stretch);
        out.writeLong(seq);
        out.writeLong(bytesRead);
        out.writeInt(digests.size());
        for (String digest : digests) {
            out.writeBytes(HEX.parseHex(digest));
        }
        FieldWriter.string(out, message);
    }

    static VerifyAnswer readBody(FieldReader r) throws ProtocolException {
        long requestId = r.positiveU64("requestId");
        int cg = r.bits32("cg");
        boolean refused = flag(r, "refused");
        boolean consistent = flag(r, "consistent");
        long stretch = r.positiveU64("stretch");
        long seq = r.positiveU64("seq");
        long bytesRead = r.positiveU64("bytesRead");
        int count = r.u32AsInt("digestCount");
        if (count > VerifyRequest.MAX_REGIONS) {
            throw r.malformed("digestCount " + count + " is more than " + VerifyRequest.MAX_REGIONS);
        }
        List<String> digests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            digests.add(HEX.formatHex(r.bytes(DIGEST_BYTES, "digest")));
        }
        String message = r.string("message", Wire.MAX_ERROR_MESSAGE_BYTES, true);
        return new VerifyAnswer(requestId, cg, refused, consistent, stretch, seq, bytesRead, digests, message);
    }

    private static boolean flag(FieldReader r, String field) throws ProtocolException {
        int value = r.u8(field);
        if (value > 1) {
            throw r.malformed(field + " must be 0 or 1, got " + value);
        }
        return value == 1;
    }
}
