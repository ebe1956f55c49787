package io.datamover.protocol;

import static io.datamover.protocol.FuzzInputs.prefixed;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The hand-made seeds of {@link FrameDecoderFuzzTest}'s corpora: valid frames of every type, truncations and
 * lying lengths. The files under {@code src/test/resources} are written by {@link #writeSeeds} on request
 * ({@code -Ddatamover.fuzz.writeSeeds=true}, docs/fuzzing.md); the other tests check that the valid seeds
 * really decode, so the corpora start from inputs that reach past the header checks.
 */
class FrameFuzzSeedsTest {
    private static final Path INPUTS = Path.of("src/test/resources/io/datamover/protocol/FrameDecoderFuzzTestInputs");

    /** arbitraryStream: chunking byte, then a byte stream. */
    static Map<String, byte[]> streams() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Map<String, Frame> frames = SampleFrames.all();
        ByteBuf all = Unpooled.buffer();
        frames.forEach((name, frame) -> {
            byte[] encoded = encodeAndRelease(frame);
            seeds.put("valid-" + name, prefixed(0, encoded));
            all.writeBytes(encoded);
        });
        byte[] everything = ByteBufUtil.getBytes(all);
        all.release();
        seeds.put("valid-all-chunked-by-7", prefixed(7, everything));
        seeds.put("valid-all-bytewise", prefixed(1, everything));
        byte[] hello = Arrays.copyOfRange(seeds.get("valid-hello"), 1, seeds.get("valid-hello").length);
        seeds.put("truncated-hello", prefixed(3, Arrays.copyOf(hello, hello.length / 2)));
        seeds.put("truncated-header", prefixed(0, Arrays.copyOf(hello, Wire.HEADER_LENGTH - 1)));
        byte[] huge = hello.clone();
        huge[Wire.OFFSET_LENGTH] = huge[Wire.OFFSET_LENGTH + 1] = huge[Wire.OFFSET_LENGTH + 2] = (byte) 0xFF;
        huge[Wire.OFFSET_LENGTH + 3] = (byte) 0xFF;
        seeds.put("length-4GiB", prefixed(0, huge));
        seeds.put("http-request", prefixed(0, "GET / HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        return seeds;
    }

    /** envelopes: chunking byte, then per frame type u8, control u8, body length u16, body. */
    static Map<String, byte[]> envelopes() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (Map.Entry<String, Frame> e : SampleFrames.all().entrySet()) {
            int type = e.getValue().type().code();
            int fua = e.getValue().flags();
            byte[] encoded = encodeAndRelease(e.getValue());
            byte[] body = Arrays.copyOfRange(encoded, Wire.HEADER_LENGTH, encoded.length);
            ByteBuf seed = Unpooled.buffer().writeByte(0);
            // Control bit 2 (make consistent) would turn the LZ4 batch into a raw one.
            int control = fua | (e.getKey().equals("batch-lz4") ? 0 : 4);
            seed.writeByte(type).writeByte(control).writeShort(body.length).writeBytes(body);
            seeds.put("valid-" + e.getKey(), ByteBufUtil.getBytes(seed));
            seed.release();
        }
        // A HELLO claiming 65535 disks, and a WRITE_RECORD claiming a 2 GiB payload.
        seeds.put("hello-disk-count-65535", withBody(FrameType.HELLO, helloBody(0xFFFF)));
        ByteBuf write = Unpooled.buffer().writeInt(SampleFrames.CG).writeLong(SampleFrames.T0).writeLong(1).writeInt(0)
                .writeLong(0).writeInt(Integer.MAX_VALUE).writeByte(RecordKind.DATA.code()).writeInt(0);
        seeds.put("write-length-2GiB", withBody(FrameType.WRITE_RECORD, ByteBufUtil.getBytes(write)));
        write.release();
        return seeds;
    }

    /** batchBodies: chunking, mode, firstSeq - 1 u16, span u8, entryCount u8, raw entries. */
    static Map<String, byte[]> batches() {
        List<BlockWrite> entries = SampleFrames.batchEntries();
        ByteBuf raw = Unpooled.buffer();
        entries.forEach(e -> {
            e.writeFixed(raw);
            raw.writeBytes(e.payload(), e.payload().readerIndex(), e.payload().readableBytes());
            e.release();
        });
        byte[] body = ByteBufUtil.getBytes(raw);
        raw.release();
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-raw", batchSeed(0, body));
        seeds.put("valid-lz4", batchSeed(1, body));
        seeds.put("lz4-garbage", batchSeed(2, body));
        seeds.put("lz4-claims-256x", batchSeed(1 | 4 | (8 << 3), body));
        seeds.put("raw-claims-double", batchSeed(4 | (1 << 3), body));
        return seeds;
    }

    private static byte[] batchSeed(int mode, byte[] body) {
        ByteBuf seed = Unpooled.buffer().writeByte(5).writeByte(mode).writeShort(10).writeByte(4)
                .writeByte(SampleFrames.batchEntries().size()).writeBytes(body);
        byte[] bytes = ByteBufUtil.getBytes(seed);
        seed.release();
        return bytes;
    }

    private static byte[] helloBody(int diskCount) {
        Hello hello = SampleFrames.hello();
        byte[] encoded = encodeAndRelease(hello);
        byte[] body = Arrays.copyOfRange(encoded, Wire.HEADER_LENGTH, encoded.length);
        // diskCount sits after the fixed fields and the three strings; rewrite it in place.
        int at = 2 + 2 + 8 + 1 + 2 + hello.senderId().length() + 2 + hello.pairId().length() + 4
                + 2 + hello.cgName().length();
        body[at] = (byte) (diskCount >> 8);
        body[at + 1] = (byte) diskCount;
        return body;
    }

    private static byte[] withBody(FrameType type, byte[] body) {
        ByteBuf seed = Unpooled.buffer().writeByte(0).writeByte(type.code()).writeByte(0).writeShort(body.length)
                .writeBytes(body);
        byte[] bytes = ByteBufUtil.getBytes(seed);
        seed.release();
        return bytes;
    }

    private static byte[] encodeAndRelease(Frame frame) {
        ByteBuf b = SampleFrames.encode(frame);
        ReferenceCountedFrames.release(frame);
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        return bytes;
    }

    @Test
    void validStreamsDecodeToTheirFrames() {
        streams().forEach((name, seed) -> {
            if (name.startsWith("valid-")) {
                DecodingPipeline.Outcome outcome = DecodingPipeline.feed(Arrays.copyOfRange(seed, 1, seed.length),
                        seed[0] & 0xFF);
                assertThat(outcome.refusal()).as(name).isNull();
                assertThat(outcome.frames()).as(name)
                        .isEqualTo(name.startsWith("valid-all") ? SampleFrames.all().size() : 1);
            }
        });
    }

    @Test
    void lyingLengthsAreRefusedWithoutWaitingOrAllocating() {
        Map<String, byte[]> seeds = streams();
        byte[] huge = seeds.get("length-4GiB");
        DecodingPipeline.Outcome outcome = DecodingPipeline.feed(Arrays.copyOfRange(huge, 1, huge.length), 0);
        assertThat(outcome.refusal().code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
        assertThat(outcome.frames()).isZero();
    }

    @Test
    @EnabledIfSystemProperty(named = "datamover.fuzz.writeSeeds", matches = "true")
    void writeSeeds() throws IOException {
        FuzzInputs.writeSeeds(INPUTS.resolve("arbitraryStream"), streams());
        FuzzInputs.writeSeeds(INPUTS.resolve("envelopes"), envelopes());
        FuzzInputs.writeSeeds(INPUTS.resolve("batchBodies"), batches());
    }

}
