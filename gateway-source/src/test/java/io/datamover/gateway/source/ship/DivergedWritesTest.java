package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalFixtures;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.SplitBrainRegions;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A split brain's regions counted from a real journal past the promoted seq the target's refusal names. */
class DivergedWritesTest {
    private static final int REGION = (int) DivergedWrites.REGION_BYTES;

    @TempDir
    Path dir;

    private long seq;

    @Test
    void countsEachRegionTheRecordsPastThePromotedSeqChangedOnce() throws Exception {
        try (Journal journal = open(); DivergedWrites writes = new DivergedWrites(journal)) {
            write(journal, 0, 0, REGION); // before the split: seq 1, not counted
            long promotedSeq = seq;
            for (int i = 0; i < 16; i++) {
                write(journal, 0, (8L << 20) + (long) i * REGION, REGION); // 16 regions of disk 0
            }
            write(journal, 0, 8L << 20, 4096); // again in a counted region
            write(journal, 1, REGION - 2048, 4096); // straddles regions 0 and 1 of disk 1
            append(journal, BlockWrite.range(++seq, 1, 5L * REGION, REGION, RecordKind.TRIM)); // region 5 of disk 1
            append(journal, BlockWrite.marker(++seq, 1, RecordKind.SYNC_BEGIN)); // no block
            journal.sync();

            assertThat(writes.follow(null)).isFalse();
            assertThat(writes.figure()).isNull();
            assertThat(writes.follow(refusal(promotedSeq))).isFalse();
            assertThat(writes.figure()).isEqualTo(new SplitBrainRegions(16 + 2 + 1, REGION,
                    SplitBrainRegions.Bound.EXACT));

            write(journal, 0, 0, 4096); // the guest writes on: counted at the next round
            journal.sync();
            writes.follow(refusal(promotedSeq));
            assertThat(writes.figure().regions()).isEqualTo(20);

            writes.follow(refusal(promotedSeq + 16)); // another promoted seq: counted again from it
            assertThat(writes.figure().regions()).isEqualTo(1 + 2 + 1 + 1);
            writes.follow("DIVERGED: both sides moved on"); // no promoted seq: nothing to count
            assertThat(writes.figure()).isNull();
        }
    }

    @Test
    void aJournalThatReleasedRecordsPastThePromotedSeqGivesALowerBoundCountedInRounds() throws Exception {
        try (Journal journal = open(); DivergedWrites writes = new DivergedWrites(journal)) {
            for (int i = 0; i < DivergedWrites.ROUND_RECORDS + 10; i++) {
                write(journal, 0, (long) i * REGION, 512);
            }
            journal.sync();
            journal.release(5);
            assertThat(writes.follow(refusal(2))).as("a round's worth").isTrue();
            while (writes.follow(refusal(2))) {
                // counts on
            }
            assertThat(writes.figure()).isEqualTo(new SplitBrainRegions(DivergedWrites.ROUND_RECORDS + 10 - 5,
                    REGION, SplitBrainRegions.Bound.LOWER_BOUND));
        }
    }

    /** The target's split-brain refusal as the source keeps it. */
    private static String refusal(long promotedSeq) {
        return "DIVERGED: consistency group 1: split brain: ... journal at seq 99: "
                + SplitBrainRegions.promotedSeqFragment(99 - promotedSeq, promotedSeq) + " (PROMOTED, ...)";
    }

    private Journal open() throws Exception {
        return Journal.open(JournalConfig.of(dir, 64L << 20), new SimpleMeterRegistry(),
                new JournalFixtures.ManualClock());
    }

    private void write(Journal journal, int disk, long offset, int length) throws Exception {
        append(journal, BlockWrite.data(++seq, disk, offset, Unpooled.wrappedBuffer(new byte[length])));
    }

    private void append(Journal journal, BlockWrite write) throws Exception {
        WriteRecord record = new WriteRecord(1, 1_000 + seq, false, write);
        try {
            journal.append(record);
        } finally {
            record.release();
        }
    }
}
