package io.datamover.bench;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ReferenceCountedFrames;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Encode and decode of a WRITE_RECORD frame (header, fields, two CRC32C passes). */
public class FrameCodecBenchmark extends HotPathBenchmark {
    @Param({"4096", "1048576"})
    int payloadBytes;

    private WriteRecord record;
    private ByteBuf encoded;
    private ByteBuf scratch;

    @Setup(Level.Trial)
    public void setUp() {
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(payloadBytes);
        SplittableRandom random = new SplittableRandom(1);
        while (payload.isWritable()) {
            payload.writeByte(random.nextInt(256));
        }
        record = new WriteRecord(1, 1_000_000, false, BlockWrite.data(1, 0, 0, payload));
        encoded = PooledByteBufAllocator.DEFAULT.directBuffer();
        FrameCodec.encode(record, encoded);
        scratch = PooledByteBufAllocator.DEFAULT.directBuffer(encoded.readableBytes());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        record.release();
        encoded.release();
        scratch.release();
    }

    @Benchmark
    public int encode() {
        scratch.clear();
        FrameCodec.encode(record, scratch);
        return scratch.writerIndex();
    }

    @Benchmark
    public long decode() throws ProtocolException {
        encoded.readerIndex(0);
        Frame f = FrameCodec.decode(encoded, FrameLimits.DEFAULT);
        long seq = ((WriteRecord) f).seq();
        ReferenceCountedFrames.release(f);
        return seq;
    }
}
