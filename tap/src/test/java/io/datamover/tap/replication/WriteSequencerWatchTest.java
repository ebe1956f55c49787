package io.datamover.tap.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A sync's peek may stand for its ordered read only when no write that changes the disk in the peeked range was in
 * flight at the peek or took a seq before the read: what {@link WriteSequencer#watch} notes.
 */
class WriteSequencerWatchTest {
    private final WriteSequencer sequencer = new WriteSequencer(1);

    @Test
    void aGuestWriteOverlappingTheRangeAfterThePeekIsNoted() {
        WriteSequencer.Watch watch = sequencer.watch(0, 4096, 8192);
        sequencer.end(sequencer.begin(0, 0, 4096, true)); // adjacent
        sequencer.end(sequencer.begin(1, 4096, 4096, true)); // another disk
        WriteSequencer.InFlightWrite read = sequencer.begin(0, 4096, 4096, false); // the sync's own ordered read
        assertThat(sequencer.changed(watch)).isFalse();
        sequencer.end(read);

        sequencer.begin(0, 8191, 1, true);

        assertThat(sequencer.changed(watch)).isTrue();
    }

    @Test
    void aWriteInFlightWhenThePeekBeginsIsNotedAndOneEndedBeforeIsNot() {
        sequencer.end(sequencer.begin(0, 0, 16384, true)); // on disk before the peek reads
        WriteSequencer.InFlightWrite landing = sequencer.begin(0, 12288, 4096, true);

        WriteSequencer.Watch before = sequencer.watch(0, 0, 8192);
        WriteSequencer.Watch during = sequencer.watch(0, 8192, 16384);

        assertThat(sequencer.changed(before)).isFalse();
        assertThat(sequencer.changed(during)).as("the write may land while the peek reads").isTrue();
        sequencer.end(landing);
    }

    @Test
    void anotherSyncsReadOrZeroChangesNothingAndAnEndedWatchIsNoLongerTold() {
        WriteSequencer.Watch watch = sequencer.watch(0, 0, 65536);
        sequencer.end(sequencer.begin(0, 0, 65536, false));
        assertThat(sequencer.changed(watch)).isFalse();

        sequencer.unwatch(watch);
        sequencer.end(sequencer.begin(0, 0, 4096, true));

        assertThat(sequencer.changed(watch)).isFalse();
    }
}
