package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fixed frames of every type: the golden vectors and the round-trip cases are made from these. */
final class SampleFrames {
    static final int CG = 7;
    static final long T0 = 1_763_000_000_000_000L; // 2025-11-13, microseconds since the epoch

    private SampleFrames() {}

    /** A pattern payload: byte i is (seed + i) mod 256. */
    static ByteBuf pattern(int length, int seed) {
        ByteBuf b = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(seed + i);
        }
        return b;
    }

    /** A source gateway's history: current generation, two earlier ones (the newer ended by a discard). */
    static GenerationHistory generations() {
        return new GenerationHistory(0x1122334455667788L, List.of(new EndedGeneration(0x0A0B0C0D0E0F1011L, 44, true),
                new EndedGeneration(0x7F00000000000001L, 12, false)));
    }

    static Hello hello() {
        return new Hello(2, 3, Feature.all(), Role.SOURCE_GATEWAY, "gw-src-1", "pair-dc1-dc2", CG, "vm-42",
                List.of(new DiskInfo(0, "vm-42-root", 16L << 30, 4096), new DiskInfo(1, "vm-42-data", 1L << 30, 512)),
                generations(), 45, 7);
    }

    static List<BlockWrite> batchEntries() {
        return List.of(
                BlockWrite.data(11, 0, 4096, pattern(64, 0x41)),
                BlockWrite.range(12, 0, 1 << 20, 65536, RecordKind.ZERO),
                BlockWrite.range(14, 1, 0, 512, RecordKind.TRIM),
                BlockWrite.data(15, 1, 8192, repeated(256, (byte) 'x')));
    }

    static ByteBuf repeated(int length, byte value) {
        ByteBuf b = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(value);
        }
        return b;
    }

    static Batch batch(boolean lz4) {
        List<BlockWrite> entries = batchEntries();
        try {
            BatchBodies.Body body = BatchBodies.build(entries, lz4, ByteBufAllocator.DEFAULT);
            ByteBuf heapCopy = Unpooled.copiedBuffer(body.bytes());
            body.bytes().release();
            return new Batch(CG, 11, 15, entries.size(), T0, T0 + 2500, body.compression(), body.uncompressedLength(),
                    body.crc(), heapCopy);
        } finally {
            entries.forEach(BlockWrite::release);
        }
    }

    /** One frame of each shape, by golden vector name. Callers release the payload frames. */
    static Map<String, Frame> all() {
        Map<String, Frame> m = new LinkedHashMap<>();
        m.put("hello", hello());
        m.put("hello-ack", new HelloAck(2, Feature.all(), Role.TARGET_GATEWAY, "gw-dst-1", 41, generations()));
        m.put("hello-ack-epoch", new HelloAck(3, Feature.all() | Feature.LEADER_EPOCH.mask(), Role.SOURCE_GATEWAY,
                "gw-src-1", 41, GenerationHistory.NONE, 7));
        m.put("write-data", new WriteRecord(CG, T0, false, BlockWrite.data(42, 0, 0, pattern(16, 0))));
        m.put("write-data-fua", new WriteRecord(CG, T0 + 1, true, BlockWrite.data(43, 1, (1L << 30) - 512, pattern(8, 0xF0))));
        m.put("write-zero", new WriteRecord(CG, T0 + 2, false, BlockWrite.range(44, 0, 8192, 1 << 20, RecordKind.ZERO)));
        m.put("write-trim", new WriteRecord(CG, T0 + 3, false, BlockWrite.range(45, 0, 0, 4096, RecordKind.TRIM)));
        m.put("flush", new Flush(CG, 45, T0 + 4));
        m.put("ack-durable", new Ack(CG, 45, AckScope.DURABLE));
        m.put("ack-applied", new Ack(CG, 40, AckScope.APPLIED));
        m.put("batch-raw", batch(false));
        m.put("batch-lz4", batch(true));
        m.put("heartbeat", new Heartbeat(T0 + 5, 45));
        m.put("heartbeat-tap-paused", new Heartbeat(T0 + 6, 45, true));
        m.put("error", new ErrorFrame(ErrorCode.WRONG_PAIR, "replica vm-42-root belongs to pair pair-a-b"));
        m.put("error-not-leader", new ErrorFrame(ErrorCode.NOT_LEADER, "cg 7: not led here", "10.0.0.5:7000"));
        m.put("resync-regions", new ResyncRegions(CG, false, List.of(new ResyncRegions.Range(0, 3L << 20, 1L << 20),
                new ResyncRegions.Range(1, 8L << 20, 2L << 20))));
        m.put("verify-request", new VerifyRequest(901, CG, 1, 4L << 20, 64 << 10, 64, 45));
        m.put("verify-answer", VerifyAnswer.digests(901, CG, true, 3, 45, 8192, List.of(
                "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")));
        m.put("verify-answer-refused", VerifyAnswer.refused(902, CG, "no disk 9 in consistency group 7"));
        m.put("verify-repair", new VerifyRepair(903, CG, 0, List.of(new VerifyRepair.Range(0, 64 << 10),
                new VerifyRepair.Range(16L << 20, 128 << 10))));
        return m;
    }

    static ByteBuf encode(Frame frame) {
        ByteBuf out = Unpooled.buffer();
        FrameCodec.encode(frame, out);
        return out;
    }
}
