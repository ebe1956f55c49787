package io.datamover.tap.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** How WRITE payloads are held: what a record keeps alive until the gateway acknowledges it. */
class NbdRequestDecoderTest {
    private static ByteBuf writeRequest(int length, ByteBuf into) {
        into.writeInt(Nbd.REQUEST_MAGIC).writeShort(0).writeShort(Nbd.CMD_WRITE).writeLong(1).writeLong(0)
                .writeInt(length);
        for (int i = 0; i < length; i++) {
            into.writeByte(i);
        }
        return into;
    }

    private static NbdRequest decodeOneIn(ByteBuf readBuffer) {
        EmbeddedChannel channel = new EmbeddedChannel(
                new NbdRequestDecoder(32 << 20, new ProtocolErrors(new SimpleMeterRegistry()), () -> true));
        channel.writeInbound(readBuffer);
        NbdRequest request = channel.readInbound();
        channel.finishAndReleaseAll();
        return request;
    }

    @Test
    void aSmallWriteIsCopiedOutSoItDoesNotPinItsLargeReadBuffer() {
        ByteBuf readBuffer = writeRequest(4096, Unpooled.directBuffer(1 << 20));
        NbdRequest request = decodeOneIn(readBuffer);
        try {
            assertThat(request.payload().readableBytes()).isEqualTo(4096);
            assertThat(request.payload().getByte(4095)).isEqualTo((byte) 4095);
            assertThat(request.payload().capacity()).isLessThan(8192);
            assertThat(readBuffer.refCnt()).as("the 1 MiB read buffer is free once decoded").isZero();
        } finally {
            request.release();
        }
    }

    @Test
    void aLargeWriteKeepsTheReadBufferItArrivedIn() {
        ByteBuf readBuffer = writeRequest(256 << 10, Unpooled.directBuffer(1 << 20));
        NbdRequest request = decodeOneIn(readBuffer);
        try {
            assertThat(request.payload().readableBytes()).isEqualTo(256 << 10);
            assertThat(readBuffer.refCnt()).as("no copy: the payload is a slice of the read buffer").isPositive();
        } finally {
            request.release();
        }
        assertThat(readBuffer.refCnt()).isZero();
    }
}
