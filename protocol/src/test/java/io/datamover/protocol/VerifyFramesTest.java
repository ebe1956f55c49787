package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The online-verify frames (VERIFY_REQUEST, VERIFY_ANSWER, VERIFY_REPAIR) as a decoder meets them: each round-trips,
 * and each field out of its bound is refused as MALFORMED (or TRUNCATED) before anything is allocated for it.
 */
class VerifyFramesTest {
    /** Body offsets: requestId u64, cg u32, then the frame's own fields. */
    private static final int AFTER_CG = Wire.HEADER_LENGTH + 8 + 4;

    private static final VerifyRequest REQUEST = new VerifyRequest(5, 7, 0, 1 << 20, 64 << 10, 64, 99);
    private static final VerifyAnswer ANSWER = VerifyAnswer.digests(5, 7, true, 2, 99, 4096,
            List.of("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    private static final VerifyRepair REPAIR = new VerifyRepair(6, 7, 1, List.of(new VerifyRepair.Range(0, 4096)));

    @Test
    void eachFrameRoundTrips() throws ProtocolException {
        for (Frame frame : List.of(REQUEST, ANSWER, REPAIR, VerifyAnswer.refused(8, 7, "no such disk"),
                VerifyAnswer.done(9, 7))) {
            ByteBuf bytes = SampleFrames.encode(frame);
            try {
                assertThat(FrameCodec.decodeComplete(bytes, FrameLimits.DEFAULT)).isEqualTo(frame);
            } finally {
                bytes.release();
            }
        }
    }

    @Test
    void aRequestForMoreRegionsThanAnAnswerCarriesIsRefused() {
        assertRefused(REQUEST, b -> b.setInt(AFTER_CG + 4 + 8 + 4, VerifyRequest.MAX_REGIONS + 1),
                ErrorCode.MALFORMED);
    }

    @Test
    void aRequestToReadMoreThanItsSpanIsRefused() {
        // 64 regions of 1 MiB: 64 MiB, over the 8 MiB a site reads for one request.
        assertRefused(REQUEST, b -> b.setInt(AFTER_CG + 4 + 8, 1 << 20), ErrorCode.MALFORMED);
    }

    @Test
    void aRegionSizeThatIsNoPowerOfTwoOrAnUnalignedOffsetIsRefused() {
        assertRefused(REQUEST, b -> b.setInt(AFTER_CG + 4 + 8, 65 << 10), ErrorCode.MALFORMED);
        assertRefused(REQUEST, b -> b.setLong(AFTER_CG + 4, 4096), ErrorCode.MALFORMED);
        assertRefused(REQUEST, b -> b.setInt(AFTER_CG + 4 + 8, 0), ErrorCode.MALFORMED);
    }

    @Test
    void aNegativeSeqOrIdIsRefused() {
        assertRefused(REQUEST, b -> b.setLong(AFTER_CG + 4 + 8 + 4 + 4, -1), ErrorCode.MALFORMED);
        assertRefused(REQUEST, b -> b.setLong(Wire.HEADER_LENGTH, -1), ErrorCode.MALFORMED);
    }

    @Test
    void anAnswerClaimingMoreDigestsThanARequestAsksIsRefusedBeforeReadingThem() {
        int digestCount = AFTER_CG + 1 + 1 + 8 + 8 + 8;
        assertRefused(ANSWER, b -> b.setInt(digestCount, Integer.MAX_VALUE), ErrorCode.MALFORMED);
        assertRefused(ANSWER, b -> b.setInt(digestCount, VerifyRequest.MAX_REGIONS + 1), ErrorCode.MALFORMED);
        // Two digests claimed, one there: the payload ends inside the second.
        assertRefused(ANSWER, b -> b.setInt(digestCount, 2), ErrorCode.TRUNCATED);
    }

    @Test
    void anAnswerWhoseFlagsAreNotBitsOrThatRefusesWithDigestsIsRefused() {
        assertRefused(ANSWER, b -> b.setByte(AFTER_CG, 2), ErrorCode.MALFORMED);
        assertRefused(ANSWER, b -> b.setByte(AFTER_CG + 1, 7), ErrorCode.MALFORMED);
        // refused = 1 with a digest and no message
        assertRefused(ANSWER, b -> b.setByte(AFTER_CG, 1), ErrorCode.MALFORMED);
        // a refusal without a reason
        VerifyAnswer refused = VerifyAnswer.refused(8, 7, "x");
        ByteBuf bytes = SampleFrames.encode(refused);
        int messageLength = bytes.writerIndex() - 3;
        bytes.setShort(messageLength, 0);
        bytes.writerIndex(bytes.writerIndex() - 1);
        bytes.setInt(Wire.OFFSET_LENGTH, bytes.writerIndex() - Wire.HEADER_LENGTH);
        MalformedInputTest.fixCrc(bytes);
        MalformedInputTest.assertRejected(bytes, ErrorCode.MALFORMED);
    }

    @Test
    void aRepairOfNoRangeOrOfTooManyIsRefused() {
        assertRefused(REPAIR, b -> b.setInt(AFTER_CG + 4, 0), ErrorCode.MALFORMED);
        assertRefused(REPAIR, b -> b.setInt(AFTER_CG + 4, VerifyRepair.MAX_RANGES + 1), ErrorCode.MALFORMED);
        assertRefused(REPAIR, b -> b.setLong(AFTER_CG + 4 + 4 + 8, 0), ErrorCode.MALFORMED); // length 0
        assertRefused(REPAIR, b -> b.setInt(AFTER_CG + 4, 2), ErrorCode.TRUNCATED);
    }

    @Test
    void theFramesRefuseOutOfBoundValuesWhenBuilt() {
        assertThatThrownBy(() -> new VerifyRequest(1, 1, 0, 0, 4096, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerifyAnswer.digests(1, 1, true, 0, 0, 0, List.of("not-hex")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerifyRepair(1, 1, 0, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(Frame frame, Consumer<ByteBuf> change, ErrorCode expected) {
        ByteBuf bytes = SampleFrames.encode(frame);
        change.accept(bytes);
        MalformedInputTest.fixCrc(bytes);
        MalformedInputTest.assertRejected(bytes, expected);
    }
}
