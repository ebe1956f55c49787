package io.datamover.tap.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {
    private final List<WriteRecord> made = new ArrayList<>();

    private WriteRecord record(long seq) {
        WriteRecord r = new WriteRecord(1, seq, false, BlockWrite.data(seq, 0, 0, Unpooled.buffer(16).writeZero(16)));
        made.add(r);
        return r;
    }

    /** Reserves a new record and gives up the caller's own reference, as the sender does once it is written. */
    private boolean reserve(InFlightWindow window, long seq, int bytes) {
        WriteRecord r = record(seq);
        try {
            return window.tryReserve(r, bytes);
        } finally {
            r.release();
        }
    }

    @Test
    void reservesUpToTheCapacityAndReleasesThroughAnAckedSeq() {
        InFlightWindow window = new InFlightWindow(100);
        assertThat(reserve(window, 1, 40)).isTrue();
        assertThat(reserve(window, 2, 40)).isTrue();
        WriteRecord third = record(3);
        assertThat(window.tryReserve(third, 40)).isFalse();
        assertThat(third.refCnt()).as("a refused record gains no reference").isEqualTo(1);
        assertThat(window.bytesInUse()).isEqualTo(80);
        assertThat(window.firstSeq()).isEqualTo(1);

        assertThat(window.releaseThrough(1)).isEqualTo(40);
        assertThat(made.getFirst().refCnt()).isZero(); // the window's reference is given back
        assertThat(window.tryReserve(third, 40)).isTrue();
        third.release();
        assertThat(window.releaseThrough(3)).isEqualTo(80);
        assertThat(window.bytesInUse()).isZero();
        assertThat(window.records()).isZero();
        assertThat(made).allSatisfy(r -> assertThat(r.refCnt()).isZero());
    }

    @Test
    void theOldestTimestampIsThatOfTheOldestRecordHeld() {
        InFlightWindow window = new InFlightWindow(1 << 20);
        assertThat(window.oldestTimestampMicros()).isEqualTo(Long.MAX_VALUE);
        reserve(window, 1, 10); // record(seq) stamps seq as its tap time
        reserve(window, 2, 10);
        assertThat(window.oldestTimestampMicros()).isEqualTo(1);
        window.releaseThrough(1);
        assertThat(window.oldestTimestampMicros()).isEqualTo(2);
        window.clear();
        assertThat(window.oldestTimestampMicros()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void handsOutNewReferencesForASecondSendingAndKeepsItsOwn() {
        InFlightWindow window = new InFlightWindow(1 << 20);
        for (long seq = 5; seq <= 7; seq++) {
            reserve(window, seq, 10);
        }
        List<Long> resent = new ArrayList<>();
        int handed = window.forEachAfter(5, r -> {
            resent.add(r.seq());
            r.release();
        });
        assertThat(resent).containsExactly(6L, 7L);
        assertThat(handed).isEqualTo(2);
        assertThat(made).allSatisfy(r -> assertThat(r.refCnt()).isEqualTo(1));
        window.clear();
        assertThat(made).allSatisfy(r -> assertThat(r.refCnt()).isZero());
    }

    @Test
    void refusesSeqsOutOfOrderAndForgetsEverythingOnClear() {
        InFlightWindow window = new InFlightWindow(100);
        reserve(window, 5, 10);
        assertThatThrownBy(() -> reserve(window, 5, 10)).isInstanceOf(IllegalStateException.class);
        window.clear();
        assertThat(window.bytesInUse()).isZero();
        assertThat(window.firstSeq()).isZero();
        assertThat(reserve(window, 6, 100)).isTrue();
        window.clear();
        assertThat(made).allSatisfy(r -> assertThat(r.refCnt()).isZero());
    }
}
