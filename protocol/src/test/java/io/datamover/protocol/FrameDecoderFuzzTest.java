package io.datamover.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Hostile bytes through a gateway's inbound path ({@link DecodingPipeline}): every input ends in frames or a
 * {@link ProtocolException}, never an unchecked exception, a leak or an allocation the input cannot justify.
 * In a normal build these replay the inputs under {@code FrameDecoderFuzzTestInputs/} (regression mode); with
 * {@code JAZZER_FUZZ=1} they fuzz (docs/fuzzing.md). Every input starts with a chunking byte (see
 * {@link DecodingPipeline#feed}).
 */
class FrameDecoderFuzzTest {
    /** Header flag bit set by {@code envelopes}' control byte to make a frame carry an undefined flag. */
    private static final int UNDEFINED_FLAG = 0x8000;
    private static final LZ4Compressor LZ4 = LZ4Factory.fastestInstance().fastCompressor();

    /** Any bytes at all. Mostly exercises the header checks: a random CRC is rarely right. */
    @FuzzTest(maxDuration = "3m")
    void arbitraryStream(byte[] input) {
        if (input.length > 0) {
            DecodingPipeline.feed(Arrays.copyOfRange(input, 1, input.length), input[0] & 0xFF);
        }
    }

    /**
     * Frames with honest headers and CRCs around fuzzed bodies, so every field check of every type is reached.
     * Layout after the chunking byte, per frame: type code u8, control u8, body length u16, body. Control bit 0
     * sets FUA, bit 1 an undefined flag, bit 2 makes a WRITE_RECORD's length and payload CRC (or a raw BATCH's
     * length and body CRC) agree with its bytes.
     */
    @FuzzTest(maxDuration = "3m")
    void envelopes(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        if (!in.hasRemaining()) {
            return;
        }
        int chunking = in.get() & 0xFF;
        ByteBuf stream = Unpooled.buffer();
        while (in.remaining() >= 4) {
            int type = in.get() & 0xFF;
            int control = in.get() & 0xFF;
            byte[] body = new byte[Math.min(in.getShort() & 0xFFFF, in.remaining())];
            in.get(body);
            if ((control & 4) != 0) {
                makeConsistent(type, body);
            }
            int flags = (control & 1) * Wire.FLAG_FUA | ((control & 2) != 0 ? UNDEFINED_FLAG : 0);
            DecodingPipeline.writeEnvelope(stream, type, flags, body);
        }
        feed(stream, chunking);
    }

    /**
     * One BATCH frame, honest up to its body, around fuzzed entries: the entry parser and the LZ4 path.
     * Layout after the chunking byte: mode u8, firstSeq u16 (plus 1), seq span u8, entryCount u8, then the raw
     * entries. Mode bit 0 LZ4-compresses the entries; bit 1 ships the entries as if they were LZ4 data; bit 2
     * declares an uncompressed length 2^(mode >> 3) times the real one.
     */
    @FuzzTest(maxDuration = "3m")
    void batchBodies(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        if (in.remaining() < 6) {
            return;
        }
        int chunking = in.get() & 0xFF;
        int mode = in.get() & 0xFF;
        long firstSeq = (in.getShort() & 0xFFFF) + 1L;
        long lastSeq = firstSeq + (in.get() & 0xFF);
        int entryCount = in.get() & 0xFF;
        byte[] entries = new byte[in.remaining()];
        in.get(entries);

        boolean lz4 = (mode & 3) != 0;
        byte[] body = (mode & 1) != 0 ? LZ4.compress(entries) : entries;
        long declared = (mode & 4) != 0 ? (long) entries.length << (mode >> 3) : entries.length;
        ByteBuf fields = Unpooled.buffer(Batch.FIXED_LENGTH + body.length);
        fields.writeInt(SampleFrames.CG).writeLong(firstSeq).writeLong(lastSeq).writeInt(entryCount)
                .writeLong(SampleFrames.T0).writeLong(SampleFrames.T0)
                .writeByte((lz4 ? Compression.LZ4 : Compression.NONE).code())
                .writeInt((int) Math.min(declared, 0xFFFF_FFFFL)).writeInt(crc(entries)).writeBytes(body);
        ByteBuf stream = Unpooled.buffer();
        DecodingPipeline.writeEnvelope(stream, FrameType.BATCH.code(), 0, ByteBufUtil.getBytes(fields));
        fields.release();
        feed(stream, chunking);
    }

    private static void feed(ByteBuf stream, int chunking) {
        try {
            DecodingPipeline.feed(ByteBufUtil.getBytes(stream), chunking);
        } finally {
            stream.release();
        }
    }

    /** What an honest encoder would put in the length and CRC fields of the body's bulk bytes. */
    private static void makeConsistent(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.wrap(body);
        if (type == FrameType.WRITE_RECORD.code() && body.length >= WriteRecord.FIXED_LENGTH) {
            int payload = body.length - WriteRecord.FIXED_LENGTH;
            b.putInt(WriteRecord.FIXED_LENGTH - 4 - 1 - 4, payload);
            b.putInt(WriteRecord.FIXED_LENGTH - 4, crc(Arrays.copyOfRange(body, WriteRecord.FIXED_LENGTH, body.length)));
        } else if (type == FrameType.BATCH.code() && body.length >= Batch.FIXED_LENGTH) {
            byte[] bulk = Arrays.copyOfRange(body, Batch.FIXED_LENGTH, body.length);
            b.put(Batch.FIXED_LENGTH - 9, (byte) Compression.NONE.code());
            b.putInt(Batch.FIXED_LENGTH - 8, bulk.length);
            b.putInt(Batch.FIXED_LENGTH - 4, crc(bulk));
        }
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
