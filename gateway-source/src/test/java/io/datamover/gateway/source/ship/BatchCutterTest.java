package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class BatchCutterTest {
    private static final long MS = 1_000_000;

    private static WriteRecord record(long seq, int length, long timestampMicros) {
        return new WriteRecord(1, timestampMicros, false, BlockWrite.data(seq, 0, seq * length,
                Unpooled.wrappedBuffer(new byte[length])));
    }

    private static int encodedLength(int payloadLength) {
        WriteRecord r = record(1, payloadLength, 0);
        try {
            return r.write().encodedLength();
        } finally {
            r.release();
        }
    }

    @Test
    void aBatchIsDueWhenTheIntervalPassedSinceItsFirstRecord() {
        try (BatchCutter cutter = new BatchCutter(100 * MS, 1 << 20)) {
            assertThat(cutter.due(0)).isFalse();
            assertThat(cutter.nanosUntilDue(0)).isEqualTo(Long.MAX_VALUE);
            cutter.add(record(1, 100, 50), 10 * MS);
            cutter.add(record(2, 100, 40), 90 * MS);
            assertThat(cutter.due(109 * MS)).isFalse();
            assertThat(cutter.nanosUntilDue(60 * MS)).isEqualTo(50 * MS);
            assertThat(cutter.due(110 * MS)).isTrue();
            BatchCutter.Cut cut = cutter.cut(110 * MS);
            try {
                assertThat(cut.firstSeq()).isEqualTo(1);
                assertThat(cut.lastSeq()).isEqualTo(2);
                assertThat(cut.bytes()).isEqualTo(2L * encodedLength(100));
            } finally {
                cut.release();
            }
            assertThat(cutter.isEmpty()).isTrue();
            assertThat(cutter.oldestTimestampMicros()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void aRecordThatWouldPassTheSizeWaitsForTheNextBatch() {
        int entry = encodedLength(1000);
        try (BatchCutter cutter = new BatchCutter(100 * MS, 2L * entry + 10)) {
            cutter.add(record(1, 1000, 1), 0);
            cutter.add(record(2, 1000, 2), 0);
            assertThat(cutter.wantsMore()).isTrue();
            assertThat(cutter.due(0)).isFalse();
            cutter.add(record(3, 1000, 3), 0);
            assertThat(cutter.wantsMore()).isFalse();
            assertThat(cutter.due(0)).as("full: due before the interval").isTrue();
            BatchCutter.Cut cut = cutter.cut(5 * MS);
            assertThat(cut.lastSeq()).isEqualTo(2);
            cut.release();
            assertThat(cutter.oldestTimestampMicros()).isEqualTo(3);
            assertThat(cutter.due(104 * MS)).isFalse();
            assertThat(cutter.due(105 * MS)).isTrue();
        }
    }

    @Test
    void aSingleRecordLargerThanTheSizeStillMakesABatch() {
        try (BatchCutter cutter = new BatchCutter(100 * MS, 4096)) {
            cutter.add(record(1, 10_000, 1), 0);
            assertThat(cutter.due(0)).isTrue();
            BatchCutter.Cut cut = cutter.cut(0);
            assertThat(cut.records()).hasSize(1);
            cut.release();
        }
    }
}
