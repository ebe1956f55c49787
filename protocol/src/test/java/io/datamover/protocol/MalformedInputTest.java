package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.netty.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Each class of bad input yields a typed ProtocolException, never an unchecked one or a big allocation. */
class MalformedInputTest {

    private static ByteBuf encoded(Frame frame) {
        ByteBuf b = SampleFrames.encode(frame);
        ReferenceCountedFrames.release(frame);
        return b;
    }

    private static ByteBuf ackBytes() {
        return encoded(new Ack(1, 5, AckScope.DURABLE));
    }

    /** Recomputes the header CRC so that a deliberate field mutation is not caught by the CRC alone. */
    static void fixCrc(ByteBuf frame) {
        int start = frame.readerIndex();
        long length = frame.getUnsignedInt(start + Wire.OFFSET_LENGTH);
        int covered = (int) Math.min(length, frame.readableBytes() - Wire.HEADER_LENGTH);
        CRC32C crc = new CRC32C();
        Crc32c.update(crc, frame, start, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, frame, start + Wire.HEADER_LENGTH, covered);
        frame.setInt(start + Wire.OFFSET_CRC, (int) crc.getValue());
    }

    static void assertRejected(ByteBuf bytes, ErrorCode expected) {
        try {
            assertThatThrownBy(() -> FrameCodec.decodeComplete(bytes, FrameLimits.DEFAULT))
                    .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(expected));
        } finally {
            bytes.release();
        }
    }

    private static ByteBuf mutate(ByteBuf b, Consumer<ByteBuf> change) {
        change.accept(b);
        return b;
    }

    @Test
    void shortHeader() {
        ByteBuf b = ackBytes();
        assertRejected(b.slice(0, 10).retain(), ErrorCode.TRUNCATED);
        b.release();
    }

    @Test
    void badMagic() {
        assertRejected(mutate(ackBytes(), b -> b.setInt(0, 0x47455420)), ErrorCode.BAD_MAGIC); // "GET "
    }

    @Test
    void unknownVersion() {
        assertRejected(mutate(ackBytes(), b -> b.setByte(Wire.OFFSET_VERSION, 2)), ErrorCode.UNSUPPORTED_VERSION);
    }

    @Test
    void unknownType() {
        assertRejected(mutate(ackBytes(), b -> b.setByte(Wire.OFFSET_TYPE, 99)), ErrorCode.UNKNOWN_FRAME_TYPE);
    }

    @Test
    void unknownFlags() {
        assertRejected(mutate(ackBytes(), b -> b.setShort(Wire.OFFSET_FLAGS, 0x8000)), ErrorCode.MALFORMED);
    }

    @Test
    void oversizedLengthIsRefusedFromTheHeaderAlone() {
        ByteBuf header = ackBytes().slice(0, Wire.HEADER_LENGTH).copy();
        header.setInt(Wire.OFFSET_LENGTH, -1); // 4 GiB - 1 claimed, only the header present
        assertRejected(header, ErrorCode.FRAME_TOO_LARGE);
    }

    @Test
    void crcMismatch() {
        assertRejected(mutate(ackBytes(), b -> b.setByte(Wire.HEADER_LENGTH + 3, 0x55)), ErrorCode.CRC_MISMATCH);
    }

    @Test
    void payloadThatNoLongerMatchesTheCrcTheTapTook() {
        ByteBuf b = encoded(new WriteRecord(1, 0, false, BlockWrite.data(1, 0, 0, SampleFrames.pattern(16, 0))));
        b.setByte(b.writerIndex() - 1, 0x77); // the payload changed after the tap took its CRC
        fixCrc(b); // and the frame CRC was taken over the changed bytes
        assertRejected(b, ErrorCode.CRC_MISMATCH);
    }

    @Test
    void truncatedPayload() {
        ByteBuf b = ackBytes();
        assertRejected(b.slice(0, b.readableBytes() - 1).retain(), ErrorCode.TRUNCATED);
        b.release();
    }

    @Test
    void payloadShorterThanItsFields() {
        // A consistent frame (length and CRC agree) whose payload stops inside the ACK's fields.
        ByteBuf b = ackBytes();
        ByteBuf cut = b.copy(0, b.readableBytes() - 1);
        b.release();
        cut.setInt(Wire.OFFSET_LENGTH, cut.readableBytes() - Wire.HEADER_LENGTH);
        fixCrc(cut);
        assertRejected(cut, ErrorCode.TRUNCATED);
    }

    @Test
    void trailingBytesInsideThePayload() {
        ByteBuf b = Unpooled.buffer();
        ByteBuf ack = ackBytes();
        b.writeBytes(ack);
        ack.release();
        b.writeByte(0);
        b.setInt(Wire.OFFSET_LENGTH, b.readableBytes() - Wire.HEADER_LENGTH);
        fixCrc(b);
        assertRejected(b, ErrorCode.MALFORMED);
    }

    @Test
    void invalidUtf8InAString() {
        ByteBuf b = encoded(new ErrorFrame(ErrorCode.INTERNAL, "abc"));
        b.setByte(b.writerIndex() - 1, 0xC3); // a lone lead byte
        fixCrc(b);
        assertRejected(b, ErrorCode.MALFORMED);
    }

    @Test
    void aLeaderAfterAnErrorOtherThanNotLeader() {
        ByteBuf b = encoded(new ErrorFrame(ErrorCode.NOT_LEADER, "abc", "10.0.0.5:7000"));
        b.setShort(Wire.HEADER_LENGTH, ErrorCode.INTERNAL.code()); // only NOT_LEADER names a leader
        fixCrc(b);
        assertRejected(b, ErrorCode.MALFORMED);
    }

    @Test
    void stringLongerThanItsBound() {
        ByteBuf b = encoded(new ErrorFrame(ErrorCode.INTERNAL, "abc"));
        b.setShort(Wire.HEADER_LENGTH + 2, 0xFFFF); // message length 65535 > 1024
        fixCrc(b);
        assertRejected(b, ErrorCode.MALFORMED);
    }

    @Test
    void dataRecordClaimingMoreThanTheMaximumWrite() {
        ByteBuf b = encoded(new WriteRecord(1, 0, false, BlockWrite.data(1, 0, 0, SampleFrames.pattern(16, 0))));
        b.setInt(Wire.HEADER_LENGTH + 4 + 8 + 8 + 4 + 8, Wire.MAX_WRITE_BYTES + 1); // BlockWrite.length
        fixCrc(b);
        assertRejected(b, ErrorCode.FRAME_TOO_LARGE);
    }

    @Test
    void recordRangeThatOverflows() {
        ByteBuf b = encoded(new WriteRecord(1, 0, false, BlockWrite.range(1, 0, 0, 4096, RecordKind.TRIM)));
        b.setLong(Wire.HEADER_LENGTH + 4 + 8 + 8 + 4, Long.MAX_VALUE - 10); // BlockWrite.offset
        fixCrc(b);
        assertRejected(b, ErrorCode.MALFORMED);
    }

    @Test
    void lz4LengthThatLiesAboveTheLimitFailsBeforeAnyAllocation() throws ProtocolException {
        Batch batch = SampleFrames.batch(true);
        FrameLimits tight = new FrameLimits(1 << 20, 4096);
        Batch liar = new Batch(batch.cg(), batch.firstSeq(), batch.lastSeq(), batch.entryCount(),
                batch.oldestTimestampMicros(), batch.newestTimestampMicros(), Compression.LZ4,
                batch.body().readableBytes() * 200, batch.bodyCrc(), batch.body());
        RecordingAllocator alloc = new RecordingAllocator();
        assertThatThrownBy(() -> BatchBodies.open(liar, tight, alloc))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE));
        assertThat(alloc.largestRequest()).isZero();

        // On the wire the same claim is refused while decoding the frame.
        ByteBuf wire = SampleFrames.encode(liar);
        liar.release();
        assertThatThrownBy(() -> FrameCodec.decodeComplete(wire, tight))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE));
        wire.release();
    }

    @Test
    void lz4LengthBeyondWhatLz4CanExpandIsALie() {
        ByteBuf b = encoded(SampleFrames.batch(true));
        int uncompressedLengthAt = Wire.HEADER_LENGTH + 4 + 8 + 8 + 4 + 8 + 8 + 1;
        int compressed = b.readableBytes() - Wire.HEADER_LENGTH - Batch.FIXED_LENGTH;
        b.setInt(uncompressedLengthAt, compressed * 256 + 1);
        fixCrc(b);
        ByteBuf bytes = b;
        assertThatThrownBy(() -> FrameCodec.decodeComplete(bytes, FrameLimits.DEFAULT))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_COMPRESSION));
        b.release();
    }

    @Test
    void lz4LengthThatLiesBelowTheTruthIsCaughtWhileDecompressing() throws ProtocolException {
        Batch batch = SampleFrames.batch(true);
        for (int lie : List.of(batch.uncompressedLength() - 1, batch.uncompressedLength() + 1, 1)) {
            Batch liar = new Batch(batch.cg(), batch.firstSeq(), batch.lastSeq(), batch.entryCount(),
                    batch.oldestTimestampMicros(), batch.newestTimestampMicros(), Compression.LZ4, lie,
                    batch.bodyCrc(), batch.body().retainedSlice());
            RecordingAllocator alloc = new RecordingAllocator();
            try {
                assertThatThrownBy(() -> BatchBodies.open(liar, FrameLimits.DEFAULT, alloc))
                        .as("declared %d, true %d", lie, batch.uncompressedLength())
                        .isInstanceOfSatisfying(ProtocolException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_COMPRESSION));
                assertThat(alloc.largestRequest()).isLessThanOrEqualTo(Math.max(lie, 0));
            } finally {
                liar.release();
            }
        }
        batch.release();
    }

    @Test
    void corruptLz4DataAndBadBodyCrc() {
        Batch batch = SampleFrames.batch(true);
        ByteBuf garbage = Unpooled.buffer().writeBytes(new byte[] {(byte) 0xF0, 1, 2, 3, 4, 5, 6, 7});
        Batch corrupt = new Batch(batch.cg(), batch.firstSeq(), batch.lastSeq(), batch.entryCount(),
                batch.oldestTimestampMicros(), batch.newestTimestampMicros(), Compression.LZ4,
                batch.uncompressedLength(), batch.bodyCrc(), garbage);
        assertThatThrownBy(() -> BatchBodies.open(corrupt, FrameLimits.DEFAULT, Unpooled.buffer().alloc()))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_COMPRESSION));
        corrupt.release();

        Batch raw = SampleFrames.batch(false);
        raw.body().setByte(40, raw.body().getByte(40) ^ 1);
        assertThatThrownBy(() -> BatchBodies.open(raw, FrameLimits.DEFAULT, Unpooled.buffer().alloc()))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CRC_MISMATCH));
        raw.release();
        batch.release();
    }

    @Test
    void decoderGoesCorruptedAfterAnErrorAndIgnoresWhatFollows() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(FrameLimits.DEFAULT));
        ByteBuf bad = mutate(ackBytes(), b -> b.setInt(0, 0x12345678));
        assertThatThrownBy(() -> ch.writeInbound(bad))
                .isInstanceOf(DecoderException.class)
                .satisfies(e -> assertThat(ProtocolException.findIn(e).code()).isEqualTo(ErrorCode.BAD_MAGIC));
        ch.writeInbound(ackBytes()); // a valid frame after the error is not decoded
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void streamEndingInsideAFrameIsReportedAsTruncated() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(FrameLimits.DEFAULT));
        ByteBuf b = ackBytes();
        ch.writeInbound(b.readRetainedSlice(20));
        b.release();
        assertThatThrownBy(ch::finish)
                .satisfies(e -> assertThat(ProtocolException.findIn(e).code()).isEqualTo(ErrorCode.TRUNCATED));
    }
}
