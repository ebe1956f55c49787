package io.datamover.bench;

import io.datamover.applier.Applier;
import io.datamover.applier.ApplyException;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Crc32c;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;

/**
 * The target's {@link Applier} on a thin (sparse) replica under {@link BenchDirectory#root()}: one batch of
 * {@value #ENTRIES} entries of 64 KiB per operation, checked, written, fdatasynced and its seq stamped, as the
 * target applies every batch.
 *
 * <ul>
 *   <li>{@code writeData}: DATA entries at random 64 KiB-aligned offsets of a 16 GiB disk (mostly new blocks, as
 *       in a replica being filled); ops/s are batches/s, {@code megabytes} the payload MB/s. With MIXED content
 *       the applier punches the zero 4 KiB blocks instead of writing them.
 *   <li>{@code punchZeros}: ZERO entries over data the iteration's setup wrote and synced first (TRIM takes the
 *       same path), so every punch frees real blocks. Single shot: the score is the time of the iteration's
 *       batch of operations; punches/s = batch size x {@value #ENTRIES} / score.
 * </ul>
 */
public class ApplierBenchmark extends HotPathBenchmark {
    static final int ENTRIES = 16;
    static final int ENTRY_BYTES = 64 * 1024;
    /** Batches of ZERO entries per punch iteration: 256 MiB of data prefilled and punched per iteration. */
    static final int PUNCH_BATCHES = 256;
    private static final long DISK_BYTES = 16L << 30;
    private static final int DISK = 1;

    /** One thin replica set of one disk and its applier, in a fresh directory; entries are applied in seq order. */
    static final class Replica implements AutoCloseable {
        private final Path directory;
        private final ReplicaSet set;
        private final Applier applier;
        private long seq;

        Replica() throws IOException {
            directory = BenchDirectory.create("replica");
            set = ReplicaSet.open(directory, new ReplicaSetConfig("bench", 1,
                    List.of(new DiskInfo(DISK, "disk", DISK_BYTES, 4096)), Provisioning.THIN));
            applier = new Applier(set, new SimpleMeterRegistry());
        }

        long nextSeq() {
            return ++seq;
        }

        /** Applies {@code entries} (seqs from {@link #nextSeq()}) as one batch, then releases them. */
        Applier.Outcome apply(List<BlockWrite> entries) throws IOException {
            try {
                return applier.apply(entries.getFirst().seq(), entries.getLast().seq(), entries);
            } catch (ApplyException e) {
                throw new IllegalStateException("the applier refused a benchmark batch", e);
            } finally {
                entries.forEach(BlockWrite::release);
            }
        }

        @Override
        public void close() throws IOException {
            set.close();
            BenchFiles.deleteTree(directory);
        }
    }

    /** Payloads of one content, their CRCs taken once (the tap's work, not the applier's). */
    static final class Payloads {
        private final ByteBuf[] buffers = new ByteBuf[ENTRIES];
        private final int[] crcs = new int[ENTRIES];

        Payloads(BlockData content) {
            for (int i = 0; i < ENTRIES; i++) {
                buffers[i] = content.directBuffer(ENTRY_BYTES, 100 + i);
                crcs[i] = Crc32c.of(buffers[i]);
            }
        }

        BlockWrite data(int i, long seq, long offset) {
            return new BlockWrite(seq, DISK, offset, ENTRY_BYTES, RecordKind.DATA, crcs[i],
                    buffers[i].retainedDuplicate());
        }

        void release() {
            for (ByteBuf b : buffers) {
                b.release();
            }
        }
    }

    @State(Scope.Thread)
    public static class DataBatches {
        @Param({"RANDOM", "MIXED"})
        BlockData content;

        Replica replica;
        Payloads payloads;
        final SplittableRandom random = new SplittableRandom(17);

        @Setup(Level.Trial)
        public void open() throws IOException {
            replica = new Replica();
            payloads = new Payloads(content);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            payloads.release();
            replica.close();
        }
    }

    @State(Scope.Thread)
    public static class PunchBatches {
        Replica replica;
        Payloads payloads;
        /** Next 64 KiB slot to punch, and the end of the data the current iteration's setup wrote. */
        long nextSlot;
        long filledSlots;

        @Setup(Level.Trial)
        public void open() throws IOException {
            replica = new Replica();
            payloads = new Payloads(BlockData.RANDOM);
        }

        /** Writes (through the applier, synced) exactly the data this iteration's batches will punch. */
        @Setup(Level.Iteration)
        public void fill(IterationParams iteration) throws IOException {
            nextSlot = filledSlots;
            long slots = (long) iteration.getBatchSize() * ENTRIES;
            for (long batch = 0; batch < slots / ENTRIES; batch++) {
                List<BlockWrite> entries = new ArrayList<>(ENTRIES);
                for (int i = 0; i < ENTRIES; i++) {
                    entries.add(payloads.data(i, replica.nextSeq(), (filledSlots++ * ENTRY_BYTES) % DISK_BYTES));
                }
                replica.apply(entries);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            payloads.release();
            replica.close();
        }
    }

    @Benchmark
    public Applier.Outcome writeData(DataBatches s, ByteRate rate) throws IOException {
        List<BlockWrite> entries = new ArrayList<>(ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            long offset = s.random.nextLong(DISK_BYTES / ENTRY_BYTES) * ENTRY_BYTES;
            entries.add(s.payloads.data(i, s.replica.nextSeq(), offset));
        }
        rate.add((long) ENTRIES * ENTRY_BYTES);
        return s.replica.apply(entries);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, batchSize = PUNCH_BATCHES)
    @Measurement(iterations = 3, batchSize = PUNCH_BATCHES)
    public Applier.Outcome punchZeros(PunchBatches s) throws IOException {
        List<BlockWrite> entries = new ArrayList<>(ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            long offset = (s.nextSlot++ * ENTRY_BYTES) % DISK_BYTES;
            entries.add(BlockWrite.range(s.replica.nextSeq(), DISK, offset, ENTRY_BYTES, RecordKind.ZERO));
        }
        return s.replica.apply(entries);
    }
}
