package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ZeroBytesTest {
    @Test
    void findsANonZeroByteAtAnyPositionOfAnUnalignedRange() {
        ByteBuf buf = Unpooled.directBuffer(64).writeZero(64);
        try {
            for (int length = 0; length <= 40; length++) {
                assertThat(ZeroBytes.isAllZero(buf, 3, length)).isTrue();
                for (int at = 3; at < 3 + length; at++) {
                    buf.setByte(at, 0x80);
                    assertThat(ZeroBytes.isAllZero(buf, 3, length)).as("length %d, byte %d", length, at).isFalse();
                    buf.setByte(at, 0);
                }
            }
            buf.setByte(2, 1);
            buf.setByte(43, 1);
            assertThat(ZeroBytes.isAllZero(buf, 3, 40)).as("bytes outside the range do not count").isTrue();
        } finally {
            buf.release();
        }
    }
}
