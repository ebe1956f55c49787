package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generations on the wire: round trips at their longest, bounds, and peers of the revision before them. */
class GenerationWireTest {
    private static final List<DiskInfo> DISK = List.of(new DiskInfo(0, "vda", 1 << 20, 512));

    private static GenerationHistory longest() {
        GenerationHistory g = GenerationHistory.first();
        for (int i = 0; i < GenerationHistory.MAX_EARLIER + 3; i++) {
            g = g.next(i, i % 3 == 0);
        }
        return g;
    }

    private static Frame roundTrip(Frame frame) throws ProtocolException {
        ByteBuf encoded = SampleFrames.encode(frame);
        try {
            return FrameCodec.decode(encoded, FrameLimits.HANDSHAKE);
        } finally {
            encoded.release();
        }
    }

    @Test
    void helloAndHelloAckCarryTheLongestHistory() throws ProtocolException {
        Hello hello = Hello.of(Role.SOURCE_GATEWAY, "src", "pair", 3, "cg", DISK).withGenerations(longest(), 99);
        assertThat(roundTrip(hello)).isEqualTo(hello);
        HelloAck ack = new HelloAck(Wire.PROTOCOL_MAX, 0, Role.TARGET_GATEWAY, "dst", 42, longest());
        assertThat(roundTrip(ack)).isEqualTo(ack);
    }

    @Test
    void aHelloOfTheRevisionBeforeGenerationsDecodesAndIsRefusedAsIncompatible() throws ProtocolException {
        Hello old = new Hello(1, 1, Feature.all(), Role.SOURCE_GATEWAY, "old-src", "pair", 3, "cg", DISK);
        Hello decoded = (Hello) roundTrip(old);
        assertThat(decoded.generations().isNone()).isTrue();
        assertThatThrownBy(() -> Handshake.negotiate(decoded, Feature.PAYLOAD_CRC.mask()))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE))
                .hasMessageContaining("upgrade");
        assertThatThrownBy(() -> old.withGenerations(GenerationHistory.first(), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moreEarlierGenerationsThanTheBoundOrUnknownFlagsAreMalformed() {
        Hello hello = Hello.of(Role.SOURCE_GATEWAY, "src", "pair", 3, "cg", DISK).withGenerations(
                new GenerationHistory(5, List.of(new EndedGeneration(6, 1, false))), 9);
        ByteBuf encoded = SampleFrames.encode(hello);
        // From the end: epoch u64, lastSeq u64, then the history (current, earlierCount, one earlier generation).
        int historyAt = encoded.writerIndex() - 8 - 8 - (8 + 1 + EndedGeneration.WIRE_BYTES);
        assertThat(encoded.getLong(historyAt)).isEqualTo(5);
        ByteBuf tooMany = encoded.copy();
        tooMany.setByte(historyAt + 8, GenerationHistory.MAX_EARLIER + 1);
        expectMalformed(tooMany, "earlier generations");
        ByteBuf badFlags = encoded.copy();
        badFlags.setByte(historyAt + 8 + 1 + 16, 0x80);
        expectMalformed(badFlags, "unknown bits");
        ByteBuf zeroId = encoded.copy();
        zeroId.setLong(historyAt + 8 + 1, 0);
        expectMalformed(zeroId, "id 0");
        encoded.release();
    }

    private static void expectMalformed(ByteBuf frame, String message) {
        HostileFrames.fixCrc(frame);
        try {
            assertThatThrownBy(() -> FrameCodec.decode(frame, FrameLimits.HANDSHAKE))
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED))
                    .hasMessageContaining(message);
        } finally {
            frame.release();
        }
    }

    @Test
    void theLargestHelloStaysWithinTheHandshakeBound() {
        assertThat(FrameLimits.HANDSHAKE.maxPayloadBytes()).isEqualTo(Hello.MAX_BODY_BYTES);
        assertThat(GenerationHistory.MAX_WIRE_BYTES).isEqualTo(8 + 1 + GenerationHistory.MAX_EARLIER * 17);
        assertThat(Unpooled.EMPTY_BUFFER.readableBytes()).isZero();
    }
}
