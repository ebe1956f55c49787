package io.datamover.tap.replication;

import static io.datamover.tap.replication.ReplicationMode.BITMAP;
import static io.datamover.tap.replication.ReplicationMode.PAUSED;
import static io.datamover.tap.replication.ReplicationMode.RESYNCING;
import static io.datamover.tap.replication.ReplicationMode.STREAMING;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.replication.ReplicationMode.Event;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one transition function of a group's mode, as a table: every mode against every event. */
class ReplicationModeTest {

    @Test
    void everyModeAndEventLeadsWhereTheTableSays() {
        Map<Event, ReplicationMode[]> table = new EnumMap<>(Event.class);
        // After the event, from:                      STREAMING, RESYNCING, BITMAP, PAUSED
        table.put(Event.INITIAL_SYNC_STARTED, new ReplicationMode[] {RESYNCING, RESYNCING, BITMAP, PAUSED});
        table.put(Event.RESYNC_STARTED, new ReplicationMode[] {STREAMING, RESYNCING, RESYNCING, PAUSED});
        table.put(Event.SYNC_ENDED, new ReplicationMode[] {STREAMING, STREAMING, BITMAP, PAUSED});
        table.put(Event.NOT_STREAMED, new ReplicationMode[] {BITMAP, BITMAP, BITMAP, PAUSED});
        table.put(Event.REPLICATION_LOST, new ReplicationMode[] {BITMAP, BITMAP, BITMAP, PAUSED});
        table.put(Event.PAUSE_REQUESTED, new ReplicationMode[] {PAUSED, PAUSED, PAUSED, PAUSED});
        table.put(Event.RESUME_REQUESTED, new ReplicationMode[] {STREAMING, RESYNCING, BITMAP, BITMAP});
        assertThat(table).hasSize(Event.values().length);

        for (Event event : Event.values()) {
            for (ReplicationMode from : ReplicationMode.values()) {
                assertThat(from.after(event)).as("%s after %s", from, event)
                        .isEqualTo(table.get(event)[from.ordinal()]);
            }
        }
    }

    @Test
    void onlyBitmapModeAndPauseStopOfferingRecords() {
        assertThat(STREAMING.streams()).isTrue();
        assertThat(RESYNCING.streams()).isTrue();
        assertThat(BITMAP.streams()).isFalse();
        assertThat(PAUSED.streams()).isFalse();
    }
}
