package io.datamover.gateway.source.ship;

import io.datamover.bench.BlockData;
import io.datamover.bench.ByteRate;
import io.datamover.bench.HotPathBenchmark;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The shipper's batch path on one cut batch of {@value #RECORDS} records: {@link Coalescer} alone, and
 * {@link BatchAssembler} (coalesce, copy into the body, CRC32C, LZ4 when it pays) as the shipper calls it.
 * Scores are records/s; {@code megabytes} is the batch's payload MB/s before coalescing.
 *
 * <p>Lives in the shipper's package because both classes are package-private (the bench module's classpath
 * shares the package; there are no JPMS modules).
 */
public class CoalescerBenchmark extends HotPathBenchmark {
    /** 8 MiB of 4 KiB writes: one full batch at the shipper's default size. */
    static final int RECORDS = 2048;
    private static final long DISK_BYTES = 1L << 30;

    /** Where the batch's writes land. */
    public enum Overlap {
        /** 4 KiB writes at distinct random offsets: nothing to drop. */
        NONE,
        /** Half the 4 KiB writes overwrite a hot set of 64 blocks, half go anywhere. */
        HOT_SET_50,
        /** 512-byte writes at random sectors of one 64 KiB block: nearly all covered later. */
        SMALL_IN_ONE_BLOCK
    }

    @Param({"NONE", "HOT_SET_50", "SMALL_IN_ONE_BLOCK"})
    Overlap overlap;

    private List<WriteRecord> records;
    private List<BlockWrite> writes;
    private long payloadBytes;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        int writeBytes = overlap == Overlap.SMALL_IN_ONE_BLOCK ? 512 : 4096;
        ByteBuf contents = BlockData.MIXED.directBuffer(RECORDS * writeBytes, 5);
        Set<Long> used = new HashSet<>();
        records = new ArrayList<>(RECORDS);
        writes = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            long offset = switch (overlap) {
                case NONE -> distinctBlock(random, used);
                case HOT_SET_50 -> random.nextBoolean() ? random.nextInt(64) * 4096L
                        : random.nextLong(DISK_BYTES / 4096) * 4096;
                case SMALL_IN_ONE_BLOCK -> (1L << 20) + random.nextInt(65536 / 512) * 512L;
            };
            ByteBuf payload = contents.retainedSlice(i * writeBytes, writeBytes);
            WriteRecord r = new WriteRecord(1, 1_000_000 + i, false, BlockWrite.data(i + 1, 1, offset, payload));
            records.add(r);
            writes.add(r.write());
            payloadBytes += writeBytes;
        }
        contents.release();
    }

    private static long distinctBlock(SplittableRandom random, Set<Long> used) {
        while (true) {
            long offset = random.nextLong(DISK_BYTES / 4096) * 4096;
            if (used.add(offset)) {
                return offset;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        records.forEach(WriteRecord::release);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public Coalescer.Result coalesce(ByteRate rate) {
        rate.add(payloadBytes);
        return Coalescer.coalesce(writes);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int assembleLz4(ByteRate rate) {
        rate.add(payloadBytes);
        BatchAssembler.Assembled assembled = BatchAssembler.assemble(1, new BatchCutter.Cut(records, payloadBytes),
                true, PooledByteBufAllocator.DEFAULT);
        int wireBytes = assembled.batch().body().readableBytes();
        assembled.batch().release();
        return wireBytes;
    }
}
