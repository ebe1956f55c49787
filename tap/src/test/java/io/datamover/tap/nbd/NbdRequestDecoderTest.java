package io.datamover.tap.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.Crc32c;
import io.datamover.tap.buffer.PayloadPool;
import io.datamover.tap.replication.ConsistencyGroup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How WRITE payloads are held: what a record keeps alive until the gateway acknowledges it. */
class NbdRequestDecoderTest {
    private static ByteBuf writeRequest(int length, ByteBuf into) {
        into.writeInt(Nbd.REQUEST_MAGIC).writeShort(0).writeShort(Nbd.CMD_WRITE).writeLong(1).writeLong(0)
                .writeInt(length);
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) i;
        }
        return into.writeBytes(payload);
    }

    private final PayloadPool pool = new PayloadPool(1 << 20, new SimpleMeterRegistry());

    /** Decodes one request as in bitmap mode: its payload lives only until the local write. */
    private NbdRequest decodeOneIn(ByteBuf readBuffer) {
        return decodeOneIn(readBuffer, false);
    }

    private NbdRequest decodeOneIn(ByteBuf readBuffer, boolean payloadsKept) {
        EmbeddedChannel channel = new EmbeddedChannel(new NbdRequestDecoder(32 << 20,
                new ProtocolErrors(new SimpleMeterRegistry()), () -> true, pool, () -> payloadsKept));
        channel.writeInbound(readBuffer);
        NbdRequest request = channel.readInbound();
        channel.finishAndReleaseAll();
        return request;
    }

    @Test
    void aPayloadKeptAfterItsWriteIsCopiedOnceIntoAPoolBlockThatIsReusedOnceReleased() {
        ByteBuf readBuffer = writeRequest(256 << 10, Unpooled.directBuffer((256 << 10) + 1024));
        NbdRequest request = decodeOneIn(readBuffer, true);
        ByteBuf payload = request.payload();
        try {
            assertThat(payload.readableBytes()).isEqualTo(256 << 10);
            assertThat(payload.getByte(4095)).isEqualTo((byte) 4095);
            assertThat(readBuffer.refCnt()).as("the read buffer is free once decoded").isZero();
            assertThat(pool.inUseBytes()).isEqualTo(256 << 10);
            assertThat(PayloadPool.heldBytes(payload)).isEqualTo(256 << 10);
            assertThat(request.payloadCrc()).as("taken on the copy").isEqualTo(crcOf(payload));
        } finally {
            request.release();
        }
        assertThat(pool.inUseBytes()).isZero();
        assertThat(pool.idleBytes()).isEqualTo(256 << 10);

        NbdRequest next = decodeOneIn(writeRequest(200 << 10, Unpooled.directBuffer(256 << 10)), true);
        try {
            assertThat(next.payload()).as("the same block, taken again").isSameAs(payload);
            assertThat(next.payload().readableBytes()).isEqualTo(200 << 10);
            assertThat(next.payload().getByte(1000)).isEqualTo((byte) 1000);
            assertThat(pool.idleBytes()).isZero();
        } finally {
            next.release();
        }
    }

    @Test
    void aLargeKeptPayloadIsReceivedIntoItsBlockTheSocketReadingStraightIntoIt() {
        int length = 256 << 10;
        ByteBuf whole = writeRequest(length, Unpooled.buffer());
        NbdRequestDecoder decoder = new NbdRequestDecoder(32 << 20, new ProtocolErrors(new SimpleMeterRegistry()),
                () -> true, pool, () -> true);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        try {
            ByteBuf firstRead = Unpooled.directBuffer(1 << 20).writeBytes(whole, 28 + 1000);
            channel.writeInbound(firstRead);
            assertThat(firstRead.refCnt()).as("the first read's buffer is free: its bytes were copied").isZero();
            assertThat((Object) channel.readInbound()).isNull();

            ByteBuf room = decoder.payloadRoom(); // as the connection's PayloadReceiveAllocator asks for a read
            assertThat(room.writableBytes()).isEqualTo(length - 1000);
            room.writeBytes(whole, 100_000); // what the socket read brought
            channel.writeInbound(room);
            assertThat((Object) channel.readInbound()).isNull();

            // A buffer that is not the block's room (a transport that ignores the allocator): copied from, and what
            // follows the payload is decoded as the next request.
            ByteBuf lastRead = Unpooled.directBuffer(1 << 20).writeBytes(whole);
            writeRequest(0, lastRead);
            channel.writeInbound(lastRead);
            NbdRequest request = channel.readInbound();
            NbdRequest next = channel.readInbound();
            try {
                assertThat(request.payload().readableBytes()).isEqualTo(length);
                for (int i = 0; i < length; i += 4093) {
                    assertThat(request.payload().getByte(i)).isEqualTo((byte) i);
                }
                assertThat(PayloadPool.heldBytes(request.payload())).isEqualTo(length);
                assertThat(request.payloadCrc()).as("taken piece by piece as the payload arrived")
                        .isEqualTo(crcOf(request.payload()));
                assertThat(next.length).isZero();
            } finally {
                request.release();
                next.release();
            }
            assertThat(pool.inUseBytes()).isZero();
        } finally {
            channel.finishAndReleaseAll();
            whole.release();
        }
    }

    @Test
    void aPayloadCompletedByAReadIntoItsBlockMakesTheNextReadSmall() {
        NbdRequestDecoder decoder = new NbdRequestDecoder(32 << 20, new ProtocolErrors(new SimpleMeterRegistry()),
                () -> true, pool, () -> true);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        ByteBuf whole = writeRequest(64 << 10, Unpooled.buffer());
        channel.writeInbound(whole.readRetainedSlice(28 + 10));
        ByteBuf room = decoder.payloadRoom();
        channel.writeInbound(room.writeBytes(whole));
        whole.release();
        NbdRequest request = channel.readInbound();
        try {
            assertThat(request.payload().getByte((64 << 10) - 1)).isEqualTo((byte) ((64 << 10) - 1));
            assertThat(decoder.takePayloadEnded()).isTrue();
            assertThat(decoder.takePayloadEnded()).as("for the one read after it").isFalse();
            assertThat(decoder.payloadRoom()).isNull();
        } finally {
            request.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aPayloadCutShortByTheConnectionClosingReturnsItsBlock() {
        EmbeddedChannel channel = new EmbeddedChannel(new NbdRequestDecoder(32 << 20,
                new ProtocolErrors(new SimpleMeterRegistry()), () -> true, pool, () -> true));
        ByteBuf whole = writeRequest(128 << 10, Unpooled.buffer());
        channel.writeInbound(whole.retainedSlice(0, 28 + 4096));
        whole.release();
        assertThat(pool.inUseBytes()).isEqualTo(128 << 10);
        channel.finishAndReleaseAll();
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void aKeptPayloadTheFullPoolHasNoRoomForIsCopiedFromTheAllocator() {
        ByteBuf first = decodeOneIn(writeRequest(1 << 20, Unpooled.directBuffer((1 << 20) + 64)), true).takePayload();
        try {
            NbdRequest request = decodeOneIn(writeRequest(4096, Unpooled.directBuffer(8192)), true);
            try {
                assertThat(request.payload().getByte(4095)).isEqualTo((byte) 4095);
                assertThat(PayloadPool.heldBytes(request.payload())).isEqualTo(4096);
                assertThat(pool.inUseBytes()).as("only the first payload's block").isEqualTo(1 << 20);
            } finally {
                request.release();
            }
        } finally {
            first.release();
        }
        NbdRequest small = decodeOneIn(writeRequest(4096, Unpooled.directBuffer(8192)), true);
        try {
            assertThat(pool.inUseBytes()).as("the idle 1 MiB block freed to make room").isEqualTo(4096);
            assertThat(pool.idleBytes()).isZero();
        } finally {
            small.release();
        }
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
    void aLargeWriteInAMostlyEmptyReadBufferIsCopiedOutSoItDoesNotPinTheBuffer() {
        // A read that filled 64 KiB of a 1 MiB buffer: slicing would keep 1 MiB alive until the gateway's ack.
        ByteBuf readBuffer = writeRequest(64 << 10, Unpooled.directBuffer(1 << 20));
        NbdRequest request = decodeOneIn(readBuffer);
        try {
            assertThat(request.payload().readableBytes()).isEqualTo(64 << 10);
            assertThat(request.payload().getByte(4095)).isEqualTo((byte) 4095);
            assertThat(readBuffer.refCnt()).as("the 1 MiB read buffer is free once decoded").isZero();
        } finally {
            request.release();
        }
    }

    @Test
    void aLargeWriteKeepsTheReadBufferItArrivedIn() {
        ByteBuf readBuffer = writeRequest(256 << 10, Unpooled.directBuffer((256 << 10) + 1024));
        NbdRequest request = decodeOneIn(readBuffer);
        try {
            assertThat(request.payload().readableBytes()).isEqualTo(256 << 10);
            assertThat(readBuffer.refCnt()).as("no copy: the payload is a slice of the read buffer").isPositive();
            assertThat(request.payloadCrc()).as("a payload not kept: no CRC taken")
                    .isEqualTo(ConsistencyGroup.OrderedWrite.CRC_NOT_TAKEN);
        } finally {
            request.release();
        }
        assertThat(readBuffer.refCnt()).isZero();
    }

    @Test
    void requestsBeyondTheRoomStayUndecodedAndNoMoreIsReadUntilThereIsRoom() throws Exception {
        int[] reads = {0};
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        channel.config().setAutoRead(false); // as the transmission handler sets it while the connection is full
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        });
        // Room for two requests at a time: those the test has not taken yet.
        NbdRequestDecoder decoder = new NbdRequestDecoder(32 << 20, new ProtocolErrors(new SimpleMeterRegistry()),
                () -> channel.inboundMessages().size() < 2, pool, () -> false);
        channel.pipeline().addLast(decoder);
        channel.register();

        ByteBuf burst = Unpooled.buffer();
        for (int cookie = 0; cookie < 5; cookie++) {
            burst.writeInt(Nbd.REQUEST_MAGIC).writeShort(0).writeShort(Nbd.CMD_READ).writeLong(cookie).writeLong(0)
                    .writeInt(512);
        }
        channel.writeInbound(burst);
        channel.writeInbound(Unpooled.EMPTY_BUFFER); // a read that brings nothing while the connection is full
        assertThat(cookies(channel)).containsExactly(0L, 1L);
        decoder.decodeHeldRequests();
        assertThat(cookies(channel)).containsExactly(2L, 3L);
        decoder.decodeHeldRequests();
        assertThat(cookies(channel)).containsExactly(4L);
        assertThat(reads[0]).as("socket reads asked for while requests were held").isZero();
        channel.finishAndReleaseAll();
    }

    private static long crcOf(ByteBuf payload) {
        return Integer.toUnsignedLong(Crc32c.of(payload));
    }

    /** Takes the decoded requests out of the channel (making room) and returns their cookies. */
    private static List<Long> cookies(EmbeddedChannel channel) {
        List<Long> cookies = new ArrayList<>();
        NbdRequest request;
        while ((request = channel.readInbound()) != null) {
            cookies.add(request.cookie);
            request.release();
        }
        return cookies;
    }
}
