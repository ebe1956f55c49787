package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.netty.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random frames: they round-trip through the codec and through the Netty decoder in random
 * chunks; and random mutations of valid frames (with the CRC repaired, so field validation is what
 * gets exercised) decode to a frame or to a ProtocolException, never anything else.
 * A failure prints its seed; rerun with {@code -Dprotocol.seed=N}.
 */
class RandomizedFrameTest {
    private static final long SEED = Long.getLong("protocol.seed", System.nanoTime());
    private static final int FRAMES = 2_000;

    private final Random random = new Random(SEED);

    @Test
    void randomFramesRoundTripInRandomChunks() {
        List<Frame> sent = new ArrayList<>();
        ByteBuf wire = Unpooled.buffer();
        for (int i = 0; i < FRAMES; i++) {
            Frame f = randomFrame();
            sent.add(f);
            FrameCodec.encode(f, wire);
        }
        EmbeddedChannel receiver = new EmbeddedChannel(new FrameDecoder(FrameLimits.DEFAULT));
        while (wire.isReadable()) {
            receiver.writeInbound(wire.readRetainedSlice(Math.min(wire.readableBytes(), 1 + random.nextInt(700))));
        }
        wire.release();
        List<Frame> received = new ArrayList<>();
        for (Frame f; (f = receiver.readInbound()) != null; ) {
            received.add(f);
        }
        try {
            assertThat(received).as("seed %d", SEED).containsExactlyElementsOf(sent);
        } finally {
            sent.forEach(ReferenceCountedFrames::release);
            received.forEach(ReferenceCountedFrames::release);
            receiver.finishAndReleaseAll();
        }
    }

    @Test
    void mutatedFramesYieldAFrameOrAProtocolException() {
        int rejected = 0;
        for (int i = 0; i < FRAMES; i++) {
            Frame original = randomFrame();
            ByteBuf bytes = SampleFrames.encode(original);
            ReferenceCountedFrames.release(original);
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                int at = Wire.OFFSET_LENGTH + random.nextInt(bytes.readableBytes() - Wire.OFFSET_LENGTH);
                bytes.setByte(at, random.nextInt(256));
            }
            if (random.nextBoolean()) {
                bytes.writerIndex(bytes.writerIndex() - random.nextInt(bytes.readableBytes() - Wire.HEADER_LENGTH + 1));
            }
            MalformedInputTest.fixCrc(bytes);
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(FrameLimits.DEFAULT));
            try {
                ch.writeInbound(bytes);
                ch.finish();
            } catch (DecoderException e) {
                assertThat(ProtocolException.findIn(e)).as("seed %d: %s", SEED, e).isNotNull();
                rejected++;
            } finally {
                ch.finishAndReleaseAll();
            }
        }
        assertThat(rejected).as("seed %d: most mutations must be caught", SEED).isGreaterThan(FRAMES / 4);
    }

    private Frame randomFrame() {
        FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
        return switch (type) {
            case HELLO -> {
                List<DiskInfo> disks = new ArrayList<>();
                int n = 1 + random.nextInt(4);
                for (int d = 0; d < n; d++) {
                    disks.add(new DiskInfo(d, "disk-" + d + "." + random.nextInt(1000),
                            1 + (random.nextLong() >>> 2), 512 << random.nextInt(8)));
                }
                yield new Hello(1, 1 + random.nextInt(3), random.nextLong(), Role.values()[random.nextInt(3)],
                        "sender-" + random.nextInt(), "pair." + random.nextInt(99), random.nextInt(), "cg " + random.nextInt(), disks);
            }
            case HELLO_ACK -> new HelloAck(1 + random.nextInt(5), random.nextLong(), Role.TARGET_GATEWAY,
                    "receiver-" + random.nextInt(100), random.nextLong() >>> 1);
            case WRITE_RECORD -> new WriteRecord(random.nextInt(), random.nextLong() >>> 1, random.nextBoolean(),
                    randomWrite(1 + (random.nextLong() >>> 2)));
            case FLUSH -> new Flush(random.nextInt(), random.nextLong() >>> 1, random.nextLong() >>> 1);
            case ACK -> new Ack(random.nextInt(), random.nextLong() >>> 1, AckScope.values()[random.nextInt(2)]);
            case BATCH -> randomBatch();
            case HEARTBEAT -> new Heartbeat(random.nextLong() >>> 1, random.nextLong() >>> 1);
            case ERROR -> ErrorFrame.of(ErrorCode.values()[1 + random.nextInt(ErrorCode.values().length - 1)],
                    "error " + random.nextInt() + " ünïcödé");
            case RESYNC_REGIONS -> random.nextBoolean() ? ResyncRegions.everything(random.nextInt())
                    : new ResyncRegions(random.nextInt(), false, List.of(new ResyncRegions.Range(random.nextInt(),
                            random.nextLong() >>> 2, 1 + (random.nextLong() >>> 2))));
            case VERIFY_REQUEST -> {
                int regionBytes = 4096 << random.nextInt(6);
                yield new VerifyRequest(random.nextLong() >>> 1, random.nextInt(), random.nextInt(),
                        (random.nextLong() >>> 24) / regionBytes * regionBytes, regionBytes,
                        1 + random.nextInt(VerifyRequest.MAX_SPAN_BYTES / regionBytes > 64 ? 64
                                : VerifyRequest.MAX_SPAN_BYTES / regionBytes), random.nextLong() >>> 1);
            }
            case VERIFY_ANSWER -> random.nextBoolean()
                    ? VerifyAnswer.refused(random.nextLong() >>> 1, random.nextInt(), "refused " + random.nextInt())
                    : VerifyAnswer.digests(random.nextLong() >>> 1, random.nextInt(), random.nextBoolean(),
                            random.nextLong() >>> 1, random.nextLong() >>> 1, random.nextLong() >>> 1,
                            List.of(java.util.HexFormat.of().formatHex(randomBytes(32))));
            case VERIFY_REPAIR -> new VerifyRepair(random.nextLong() >>> 1, random.nextInt(), random.nextInt(),
                    List.of(new VerifyRepair.Range(random.nextLong() >>> 2, 1 + (random.nextLong() >>> 2))));
        };
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private BlockWrite randomWrite(long seq) {
        RecordKind kind = RecordKind.values()[random.nextInt(3)];
        long offset = random.nextLong(1L << 40);
        if (kind == RecordKind.DATA) {
            int length = 1 + random.nextInt(2048);
            ByteBuf payload = random.nextBoolean()
                    ? SampleFrames.repeated(length, (byte) random.nextInt(3))
                    : SampleFrames.pattern(length, random.nextInt());
            return BlockWrite.data(seq, random.nextInt(4), offset, payload);
        }
        return BlockWrite.range(seq, random.nextInt(4), offset, 1 + random.nextInt(1 << 24), kind);
    }

    private Batch randomBatch() {
        long first = 1 + random.nextInt(1_000_000);
        List<BlockWrite> entries = new ArrayList<>();
        long seq = first;
        int n = random.nextInt(20);
        for (int i = 0; i < n; i++) {
            seq += random.nextInt(3);
            entries.add(randomWrite(seq));
            seq++;
        }
        try {
            BatchBodies.Body body = BatchBodies.build(entries, random.nextBoolean(), Unpooled.buffer().alloc());
            return BatchBodies.frame(random.nextInt(), first, Math.max(first, seq - 1 + random.nextInt(3)), n,
                    1000, 1000 + random.nextInt(100_000), body);
        } finally {
            entries.forEach(BlockWrite::release);
        }
    }
}
