package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.netty.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pre-handshake bound of {@link FrameDecoder#untilHandshake}: until the session accepts the HELLO, a frame is
 * refused on the length its header declares, before its payload is buffered; afterwards the streaming bound holds.
 */
class HandshakeBoundTest {
    private static final int MIB = 1024 * 1024;

    /** A HELLO and a WRITE_RECORD of 1 MiB, as one socket read would bring them. */
    private static ByteBuf helloThenAMebibyteRecord() {
        WriteRecord record = new WriteRecord(SampleFrames.CG, SampleFrames.T0, false,
                BlockWrite.data(1, 0, 0, SampleFrames.pattern(MIB, 1)));
        ByteBuf stream = Unpooled.wrappedBuffer(SampleFrames.encode(SampleFrames.hello()), SampleFrames.encode(record));
        record.release();
        return stream;
    }

    private static ErrorCode refusal(Throwable e) {
        assertThat(e).isInstanceOf(DecoderException.class);
        return ProtocolException.findIn(e).code();
    }

    @Test
    void beforeTheHandshakeAHeaderDeclaringABigFrameIsRefusedBeforeItsPayload() {
        for (FrameType type : List.of(FrameType.HELLO, FrameType.WRITE_RECORD, FrameType.BATCH)) {
            EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT));
            // The 16 header bytes alone: no payload has arrived, nothing is waited for.
            assertThatThrownBy(() -> ch.writeInbound(HostileFrames.headerDeclaring(type, 64L * MIB)))
                    .as(type.name()).satisfies(e -> assertThat(refusal(e)).isEqualTo(ErrorCode.FRAME_TOO_LARGE))
                    .hasMessageContaining("the limit is " + Hello.MAX_BODY_BYTES);
            // What the peer dribbles afterwards is dropped as it comes, never accumulated.
            for (int i = 0; i < 4; i++) {
                ByteBuf dribble = Unpooled.buffer(MIB).writeZero(MIB);
                ch.writeInbound(dribble);
                assertThat(dribble.refCnt()).as("bytes after the refusal are released at once").isZero();
            }
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void aFrameJustOverTheHandshakeBoundIsRefusedAndTheLargestHelloFits() throws ProtocolException {
        EmbeddedChannel tooBig = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT));
        ByteBuf justOver = HostileFrames.headerDeclaring(FrameType.HELLO, Hello.MAX_BODY_BYTES + 1);
        assertThatThrownBy(() -> tooBig.writeInbound(justOver))
                .satisfies(e -> assertThat(refusal(e)).isEqualTo(ErrorCode.FRAME_TOO_LARGE));

        Hello largest = largestHello();
        ByteBuf encoded = SampleFrames.encode(largest);
        assertThat(encoded.readableBytes()).isEqualTo(Wire.HEADER_LENGTH + Hello.MAX_BODY_BYTES);
        EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT));
        ch.writeInbound(encoded);
        assertThat((Object) ch.readInbound()).isEqualTo(largest);
        assertThat(Hello.MAX_BODY_BYTES).as("a HELLO is small").isLessThan(40 * 1024);
    }

    @Test
    void theBoundRisesOnlyWhenTheSessionAcceptsTheHandshake() {
        // HELLO and a 1 MiB record in one read: the record waits for the session's decision on the HELLO.
        ByteBuf stream = helloThenAMebibyteRecord();
        List<Frame> accepted = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Hello) {
                            FrameDecoder.handshakeAccepted(ctx.pipeline());
                        }
                        accepted.add((Frame) msg);
                    }
                });
        ch.writeInbound(stream);
        assertThat(accepted).hasSize(2);
        assertThat(accepted.get(1)).isInstanceOfSatisfying(WriteRecord.class,
                r -> assertThat(r.write().length()).isEqualTo(MIB));
        accepted.forEach(ReferenceCountedFrames::release);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aBigFrameAfterAHelloTheSessionHasNotAcceptedYetIsRefused() {
        ByteBuf stream = helloThenAMebibyteRecord();
        EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT));
        assertThatThrownBy(() -> ch.writeInbound(stream))
                .satisfies(e -> assertThat(refusal(e)).isEqualTo(ErrorCode.FRAME_TOO_LARGE));
        assertThat((Object) ch.readInbound()).isInstanceOf(Hello.class);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aHelloWithoutDisksIsMalformed() {
        ByteBuf bytes = HostileFrames.helloWithoutDisks(SampleFrames.hello());
        EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.untilHandshake(FrameLimits.DEFAULT));
        assertThatThrownBy(() -> ch.writeInbound(bytes))
                .satisfies(e -> assertThat(refusal(e)).isEqualTo(ErrorCode.MALFORMED))
                .hasMessageContaining("at least one disk");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /** Every string at its longest and {@link Wire#MAX_DISKS} disks with 128-byte names. */
    private static Hello largestHello() {
        List<DiskInfo> disks = new ArrayList<>();
        for (int i = 0; i < Wire.MAX_DISKS; i++) {
            String name = String.format("d%03d", i) + "x".repeat(Wire.MAX_ID_BYTES - 4);
            disks.add(new DiskInfo(i, name, 1L << 40, 4096));
        }
        GenerationHistory longest = GenerationHistory.first();
        for (int i = 0; i < GenerationHistory.MAX_EARLIER; i++) {
            longest = longest.next(i, i % 2 == 0);
        }
        return new Hello(Wire.PROTOCOL_MAX, Wire.PROTOCOL_MAX, Feature.all(), Role.SOURCE_GATEWAY,
                "s".repeat(Wire.MAX_ID_BYTES), "p".repeat(Wire.MAX_ID_BYTES), 1, "n".repeat(Wire.MAX_NAME_BYTES), disks,
                longest, Long.MAX_VALUE);
    }
}
