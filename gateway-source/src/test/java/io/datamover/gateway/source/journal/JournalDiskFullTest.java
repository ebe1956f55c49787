package io.datamover.gateway.source.journal;

import static io.datamover.gateway.source.journal.JournalFixtures.appendAndRelease;
import static io.datamover.gateway.source.journal.JournalFixtures.data;
import static io.datamover.gateway.source.journal.JournalFixtures.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.gateway.source.journal.JournalFixtures.ManualClock;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's own disk full (a small tmpfs the journal fills itself, as a stopped target lets it): the append
 * that does not fit is refused cleanly and leaves no entry; released entries give their space back at once, so
 * the journal takes records again without waiting for its cycle file to go; and a journal reopened on the full
 * disk releases, frees and appends too. Root is needed for the tmpfs; without it the test is aborted.
 */
class JournalDiskFullTest {
    private static final int RECORD_BYTES = 60_000;

    @TempDir
    Path base;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();
    private SmallTmpfs disk;
    private JournalConfig config;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        disk = SmallTmpfs.mount(base.resolve("disk"), 8);
        config = JournalConfig.of(base.resolve("disk").resolve("journal"), 1L << 30);
    }

    @AfterEach
    void unmount() throws Exception {
        disk.close();
    }

    @Test
    void aFullDiskRefusesTheAppendCleanlyAndReleasingGivesTheSpaceBack() throws Exception {
        long full;
        try (Journal journal = Journal.open(config, registry, clock)) {
            full = fillUntilRefused(journal, 1);
            assertThat(journal.lastAppendedSeq()).isEqualTo(full - 1);
            assertThat(journal.sync()).as("what was appended before stays durable").isEqualTo(full - 1);
            assertThat(journal.retainedBytes()).isEqualTo((full - 1) * (entryBytes()));
            assertThatThrownBy(() -> appendAndRelease(journal, data(full, RECORD_BYTES)))
                    .as("still full").isInstanceOf(JournalWriteException.class);

            journal.release(full - 1); // the target acknowledged it all
            assertThat(appendAndRelease(journal, data(full, RECORD_BYTES)))
                    .as("the released entries' space is back").isEqualTo(AppendResult.APPENDED);
            long next = fillUntilRefused(journal, full + 1);
            assertThat(next).as("room for about as much again").isGreaterThan(full + (full - 1) / 2);
            journal.sync();
        }
        assertThat(registry.find("datamover.journal.write.failures").counter().count()).isGreaterThanOrEqualTo(3);

        // A restart on the full disk: opens, reads back every record, releases (frees), appends again.
        try (Journal journal = Journal.open(config, registry, clock); JournalReader reader = journal.newReader()) {
            long last = journal.lastAppendedSeq();
            assertThat(journal.durableSeq()).isEqualTo(last);
            for (long seq = full; seq <= last; seq++) {
                WriteRecord r = reader.next();
                try {
                    assertThat(r.seq()).isEqualTo(seq);
                    assertThat(ByteBufUtil.getBytes(r.write().payload())).isEqualTo(payloadOf(seq, RECORD_BYTES));
                } finally {
                    r.release();
                }
            }
            assertThat(reader.next()).as("no torn entry after the refused appends").isNull();
            assertThatThrownBy(() -> appendAndRelease(journal, data(last + 1, RECORD_BYTES)))
                    .isInstanceOf(JournalWriteException.class)
                    .satisfies(e -> assertThat(((JournalWriteException) e).outOfSpace()).isTrue());
            journal.release(last);
            assertThat(appendAndRelease(journal, data(last + 1, RECORD_BYTES))).isEqualTo(AppendResult.APPENDED);
            assertThat(journal.sync()).isEqualTo(last + 1);
        }
        assertThat(registry.find("datamover.journal.entries.skipped").counters())
                .allSatisfy(c -> assertThat(c.count()).as("torn or corrupt entries").isZero());
        FileStore store = Files.getFileStore(config.directory());
        assertThat(store.getUsableSpace()).as("space left after the last release").isPositive();
    }

    /**
     * A new cycle file is written through Chronicle's mapping: on a full tmpfs that is a SIGBUS, which the JVM turns
     * into an InternalError that leaves Chronicle's appender broken. The journal refuses such an append first.
     */
    @Test
    void anAppendThatWouldStartACycleFileOnAFullDiskIsRefusedFirst() throws Exception {
        long full;
        try (Journal journal = Journal.open(config, registry, clock)) {
            full = fillUntilRefused(journal, 1);
            journal.sync();
            clock.advanceMinutes(6); // the next append goes to a new cycle file
            assertThatThrownBy(() -> appendAndRelease(journal, data(full, 100)))
                    .isInstanceOf(JournalWriteException.class)
                    .satisfies(e -> assertThat(((JournalWriteException) e).outOfSpace()).isTrue());

            journal.release(full - 1);
            assertThat(appendAndRelease(journal, data(full, 100))).isEqualTo(AppendResult.APPENDED);
            assertThat(journal.sync()).isEqualTo(full);
            journal.release(full); // the retention point in the new cycle: the old file goes
        }
        try (Journal journal = Journal.open(config, registry, clock); JournalReader reader = journal.newReader()) {
            assertThat(journal.lastAppendedSeq()).isEqualTo(full);
            assertThat(appendAndRelease(journal, data(full + 1, 100))).isEqualTo(AppendResult.APPENDED);
            journal.sync();
            WriteRecord r = reader.next();
            assertThat(r.seq()).isEqualTo(full + 1);
            r.release();
        }
        assertThat(registry.find("datamover.journal.entries.skipped").counters())
                .allSatisfy(c -> assertThat(c.count()).as("torn or corrupt entries").isZero());
    }

    /** Appends records from {@code seq} on until the disk refuses one; returns the refused seq. */
    private static long fillUntilRefused(Journal journal, long seq) throws Exception {
        for (long s = seq; ; s++) {
            try {
                assertThat(appendAndRelease(journal, data(s, RECORD_BYTES))).isEqualTo(AppendResult.APPENDED);
            } catch (JournalWriteException e) {
                assertThat(e.outOfSpace()).as(e.getMessage()).isTrue();
                assertThat(e.getMessage()).contains("No space left on device");
                return s;
            }
        }
    }

    private static long entryBytes() {
        WriteRecord r = data(1, RECORD_BYTES);
        try {
            return io.datamover.protocol.FrameCodec.encodedLength(r) + Journal.ENTRY_OVERHEAD_BYTES;
        } finally {
            r.release();
        }
    }
}
