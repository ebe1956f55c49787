package io.datamover.bench;

import io.datamover.gateway.source.journal.AppendResult;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalStorageException;
import io.datamover.gateway.source.journal.JournalWriteException;
import io.datamover.gateway.source.journal.OutOfSequenceException;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Crc32c;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The source journal's append of one WRITE_RECORD, with the group commit ({@link Journal#sync()}, one fdatasync)
 * after every {@code recordsPerSync}-th record, in a fresh journal per iteration under
 * {@link BenchDirectory#root()}. The score is records/s with the syncs' cost spread over them; {@code megabytes}
 * is the payload MB/s. The tap's payload CRC is taken once in setup: it is not the journal's work.
 */
public class JournalAppendBenchmark extends HotPathBenchmark {
    /** Far above what an iteration writes: the bound is only counted, never reached. */
    private static final long JOURNAL_BOUND = 1L << 40;
    private static final long DISK_BYTES = 1L << 40;

    @Param({"4096", "65536"})
    int recordBytes;

    @Param({"1", "16"})
    int recordsPerSync;

    private ByteBuf payload;
    private int payloadCrc;
    private Path directory;
    private Journal journal;
    private long seq;

    @Setup(Level.Trial)
    public void setUpPayload() {
        payload = BlockData.MIXED.directBuffer(recordBytes, 9);
        payloadCrc = Crc32c.of(payload);
    }

    @Setup(Level.Iteration)
    public void openJournal() throws IOException, JournalStorageException {
        directory = BenchDirectory.create("journal");
        journal = Journal.open(JournalConfig.of(directory, JOURNAL_BOUND), new SimpleMeterRegistry(),
                InstantSource.system());
        seq = 0;
    }

    @TearDown(Level.Iteration)
    public void closeJournal() throws IOException {
        journal.close();
        BenchFiles.deleteTree(directory);
    }

    @TearDown(Level.Trial)
    public void releasePayload() {
        payload.release();
    }

    @Benchmark
    public long append(ByteRate rate) throws OutOfSequenceException, JournalWriteException {
        seq++;
        WriteRecord r = new WriteRecord(1, seq, false, new BlockWrite(seq, 1, (seq * recordBytes) % DISK_BYTES,
                recordBytes, RecordKind.DATA, payloadCrc, payload.retainedDuplicate()));
        try {
            if (journal.append(r) != AppendResult.APPENDED) {
                throw new IllegalStateException("journal refused seq " + seq);
            }
        } finally {
            r.release();
        }
        rate.add(recordBytes);
        return seq % recordsPerSync == 0 ? journal.sync() : seq;
    }
}
