package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Crc32cTest {
    @Test
    void knownValue() {
        // The CRC32C check value from the Castagnoli paper / RFC 3720: "123456789" -> 0xE3069283.
        assertThat(Crc32c.of(Unpooled.wrappedBuffer("123456789".getBytes()))).isEqualTo(0xE3069283);
    }

    @Test
    void combineEqualsTheCrcOfTheConcatenation() {
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            byte[] a = new byte[random.nextInt(300)];
            byte[] b = new byte[random.nextInt(i < 10 ? 3 : 70_000)];
            random.nextBytes(a);
            random.nextBytes(b);
            ByteBuf both = Unpooled.wrappedBuffer(a, b);
            int expected = Crc32c.of(both);
            int combined = Crc32c.combine(Crc32c.of(Unpooled.wrappedBuffer(a)), Crc32c.of(Unpooled.wrappedBuffer(b)),
                    b.length);
            assertThat(combined).as("|a|=%d |b|=%d", a.length, b.length).isEqualTo(expected);
        }
    }
}
