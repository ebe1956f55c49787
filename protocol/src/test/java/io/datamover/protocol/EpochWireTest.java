package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HELLO's epoch (revision 3): carried when both speak it, read as 0 from a revision-2 peer. */
class EpochWireTest {
    private static final List<DiskInfo> DISK = List.of(new DiskInfo(0, "vda", 1 << 20, 512));

    private static Hello decoded(Hello hello) throws ProtocolException {
        ByteBuf encoded = SampleFrames.encode(hello);
        try {
            return (Hello) FrameCodec.decode(encoded, FrameLimits.HANDSHAKE);
        } finally {
            encoded.release();
        }
    }

    @Test
    void aHelloOfThisRevisionCarriesItsEpoch() throws ProtocolException {
        Hello hello = Hello.of(Role.SOURCE_GATEWAY, "src", "pair", 3, "cg", DISK)
                .withGenerations(GenerationHistory.first(), 12).withEpoch(Long.MAX_VALUE);
        Hello back = decoded(hello);
        assertThat(back).isEqualTo(hello);
        assertThat(back.epoch()).isEqualTo(Long.MAX_VALUE);
        assertThat(Handshake.negotiate(back, Feature.PAYLOAD_CRC.mask()).protocol()).isEqualTo(Wire.PROTOCOL_EPOCHS);
    }

    @Test
    void aRevisionTwoHelloHasNoEpochAndStillNegotiates() throws ProtocolException {
        Hello old = new Hello(2, 2, Feature.all(), Role.SOURCE_GATEWAY, "old-src", "pair", 3, "cg", DISK)
                .withGenerations(GenerationHistory.first(), 5);
        Hello back = decoded(old);
        assertThat(back.epoch()).isZero();
        assertThat(Handshake.negotiate(back, Feature.PAYLOAD_CRC.mask()).protocol()).isEqualTo(2);
        assertThatThrownBy(() -> old.withEpoch(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no epoch");
    }

    @Test
    void aNegativeEpochIsRefused() {
        Hello hello = Hello.of(Role.SOURCE_GATEWAY, "src", "pair", 3, "cg", DISK);
        assertThatThrownBy(() -> hello.withEpoch(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
