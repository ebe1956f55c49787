package io.datamover.gateway.source.journal;

import static io.datamover.gateway.source.journal.JournalFixtures.appendAndRelease;
import static io.datamover.gateway.source.journal.JournalFixtures.data;
import static io.datamover.gateway.source.journal.JournalFixtures.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.gateway.source.journal.JournalFixtures.ManualClock;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pair is idle for hours (every night): the journal's clock passes cycles in which nothing is appended, so no
 * cycle file exists for them, and a clock may also step backwards. The journal must append, release, delete and
 * reopen across such gaps as if nothing happened. Chronicle's time provider is moved instead of waiting.
 */
class JournalIdleTest {
    private static final int LENGTH = 200;
    private static final long CYCLE_MINUTES = 5; // JournalConfig.of: five-minute cycle files

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();
    private long nextSeq = 1;

    private Journal open() throws JournalStorageException {
        return Journal.open(JournalConfig.of(dir, 1 << 24), registry, clock);
    }

    @Test
    void appendsReleasesAndReopensAfterIdlingSeveralCycles() throws Exception {
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            appendSyncShipAndRelease(journal, reader, 5);
            clock.advanceMinutes(4 * CYCLE_MINUTES); // idle: three cycles pass with no file
            appendSyncShipAndRelease(journal, reader, 5);
            clock.advanceMinutes(7 * CYCLE_MINUTES);
            appendSyncShipAndRelease(journal, reader, 5);
            assertThat(cycleFiles()).as("every file behind the retention point is deleted").hasSize(1);
        }
        clock.advanceMinutes(12 * CYCLE_MINUTES); // the gateway restarts after an idle hour
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            assertThat(journal.lastAppendedSeq()).isEqualTo(15);
            assertThat(journal.releasedSeq()).isEqualTo(15);
            assertThat(journal.retainedBytes()).isZero();
            assertThat(reader.next()).isNull();
            appendSyncShipAndRelease(journal, reader, 5);
            clock.advanceMinutes(3 * CYCLE_MINUTES);
            appendSyncShipAndRelease(journal, reader, 5);
            assertThat(cycleFiles()).hasSize(1);
        }
        try (Journal journal = open()) {
            assertThat(journal.lastAppendedSeq()).isEqualTo(25);
            assertThat(journal.releasedSeq()).isEqualTo(25);
        }
    }

    /** The shipper reads on while the journal idles, and only part of what it read is acknowledged before the gap. */
    @Test
    void theReaderCrossesIdleCyclesWithRecordsStillRetainedBehindThem() throws Exception {
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            append(journal, 6);
            assertThat(readChecked(reader)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            journal.release(3);
            clock.advanceMinutes(5 * CYCLE_MINUTES);
            assertThat(reader.next()).isNull();
            append(journal, 4);
            clock.advanceMinutes(9 * CYCLE_MINUTES);
            append(journal, 4);
            assertThat(readChecked(reader)).containsExactly(7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L);
            journal.release(8); // the retention point moves into the first cycle after the gap
            assertThat(cycleFiles()).hasSize(2);
        }
        clock.advanceMinutes(2 * CYCLE_MINUTES);
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            assertThat(journal.releasedSeq()).isEqualTo(8);
            reader.seekTo(9); // the target's resume seq after the restart
            assertThat(readChecked(reader)).containsExactly(9L, 10L, 11L, 12L, 13L, 14L);
            journal.release(14);
            append(journal, 2);
            assertThat(readChecked(reader)).containsExactly(15L, 16L);
        }
    }

    /** NTP steps the clock back by more than a cycle, during a run and across a restart. */
    @Test
    void aClockThatStepsBackwardsIsHarmless() throws Exception {
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            appendSyncShipAndRelease(journal, reader, 3);
            clock.advanceMinutes(3 * CYCLE_MINUTES);
            appendSyncShipAndRelease(journal, reader, 3);
            clock.advanceMinutes(-2 * CYCLE_MINUTES);
            appendSyncShipAndRelease(journal, reader, 3);
            clock.advanceMinutes(-4 * CYCLE_MINUTES); // before the journal's first cycle
            append(journal, 3);
            assertThat(readChecked(reader)).containsExactly(10L, 11L, 12L);
        }
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            assertThat(journal.lastAppendedSeq()).isEqualTo(12);
            assertThat(journal.releasedSeq()).isEqualTo(9);
            reader.seekTo(10);
            assertThat(readChecked(reader)).containsExactly(10L, 11L, 12L);
            journal.release(12);
            clock.advanceMinutes(10 * CYCLE_MINUTES); // and forward again, past every cycle written
            appendSyncShipAndRelease(journal, reader, 3);
            clock.advanceMinutes(-7 * CYCLE_MINUTES);
            appendSyncShipAndRelease(journal, reader, 3);
        }
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            assertThat(journal.lastAppendedSeq()).isEqualTo(18);
            assertThat(journal.releasedSeq()).isEqualTo(18);
            appendSyncShipAndRelease(journal, reader, 2);
            assertThat(cycleFiles()).hasSize(1);
        }
    }

    /**
     * What the failure left on disk: the retention mark moved past the idle cycles, the released files before them
     * not deleted (the release threw while listing them). A gateway restarted on it opens, deletes them, goes on.
     */
    @Test
    void aJournalLeftByTheIdleFailureOpensAndDeletesItsReleasedFiles() throws Exception {
        Path left = dir.resolveSibling(dir.getFileName() + "-released-file");
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            append(journal, 4);
            Path first = cycleFiles().getFirst();
            Files.copy(first, left);
            clock.advanceMinutes(6 * CYCLE_MINUTES);
            append(journal, 4);
            assertThat(readChecked(reader)).hasSize(8);
            journal.release(8);
            Files.copy(left, first); // put back as the failed release left it
        }
        try (Journal journal = open(); JournalReader reader = journal.newReader()) {
            assertThat(journal.releasedSeq()).isEqualTo(8);
            assertThat(cycleFiles()).hasSize(1);
            appendSyncShipAndRelease(journal, reader, 3);
        } finally {
            Files.deleteIfExists(left);
        }
    }

    /** Appends {@code count} records, ships them through the reader (checking their bytes) and releases them. */
    private void appendSyncShipAndRelease(Journal journal, JournalReader reader, int count) throws Exception {
        long first = nextSeq;
        append(journal, count);
        List<Long> expected = new ArrayList<>();
        for (long seq = first; seq < nextSeq; seq++) {
            expected.add(seq);
        }
        assertThat(readChecked(reader)).containsExactlyElementsOf(expected);
        journal.release(nextSeq - 1);
        assertThat(journal.releasedSeq()).isEqualTo(nextSeq - 1);
        assertThat(journal.retainedBytes()).isZero();
    }

    private void append(Journal journal, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            assertThat(appendAndRelease(journal, data(nextSeq++, LENGTH))).isEqualTo(AppendResult.APPENDED);
        }
        assertThat(journal.sync()).isEqualTo(nextSeq - 1);
    }

    /** Reads what is durable, checking that each record's payload is the one appended with its seq. */
    private static List<Long> readChecked(JournalReader reader) {
        List<Long> seqs = new ArrayList<>();
        WriteRecord r;
        while ((r = reader.next()) != null) {
            try {
                assertThat(ByteBufUtil.getBytes(r.write().payload())).isEqualTo(payloadOf(r.seq(), LENGTH));
                seqs.add(r.seq());
            } finally {
                r.release();
            }
        }
        return seqs;
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).toList();
        }
    }
}
