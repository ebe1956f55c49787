package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeapCumulatorTest {
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    private ByteBuf direct(String text) {
        ByteBuf buf = alloc.directBuffer();
        buf.writeCharSequence(text, StandardCharsets.US_ASCII);
        return buf;
    }

    @Test
    void directReadsAreGatheredInOrderInAHeapBufferAndReleased() {
        ByteBuf first = direct("record one, ");
        ByteBuf second = direct("record two");

        ByteBuf cumulation = HeapCumulator.INSTANCE.cumulate(alloc, Unpooled.EMPTY_BUFFER, first);
        cumulation = HeapCumulator.INSTANCE.cumulate(alloc, cumulation, second);

        assertThat(cumulation.isDirect()).isFalse();
        assertThat(cumulation.hasArray()).isTrue();
        assertThat(cumulation.toString(StandardCharsets.US_ASCII)).isEqualTo("record one, record two");
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        cumulation.release();
    }

    @Test
    void aDirectCumulationIsReplacedByAHeapOneKeepingItsUnreadBytes() {
        ByteBuf directCumulation = direct("xxhalf a rec");
        directCumulation.skipBytes(2);

        ByteBuf cumulation = HeapCumulator.INSTANCE.cumulate(alloc, directCumulation, direct("ord"));

        assertThat(cumulation.hasArray()).isTrue();
        assertThat(cumulation.toString(StandardCharsets.US_ASCII)).isEqualTo("half a record");
        assertThat(directCumulation.refCnt()).isZero();
        cumulation.release();
    }

    @Test
    void aSharedCumulationIsNotWrittenInto() {
        ByteBuf shared = alloc.heapBuffer(64).writeBytes("shared".getBytes(StandardCharsets.US_ASCII));
        shared.retain();

        ByteBuf cumulation = HeapCumulator.INSTANCE.cumulate(alloc, shared, direct(" more"));

        assertThat(cumulation).isNotSameAs(shared);
        assertThat(cumulation.toString(StandardCharsets.US_ASCII)).isEqualTo("shared more");
        assertThat(shared.refCnt()).isEqualTo(1);
        assertThat(shared.toString(StandardCharsets.US_ASCII)).isEqualTo("shared");
        shared.release();
        cumulation.release();
    }
}
