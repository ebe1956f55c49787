package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.CapturingSink;
import io.datamover.tap.support.TapTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A tap's state directory has one owner, and its bitmaps hold the dirty regions of one image: a second tap on it
 * is refused, and so is a state directory reused for another disk (its bits would skip that disk's initial sync).
 */
class StateDirectoryTest extends TapTestBase {
    private static final long SIZE = 16L << 20;

    @Test
    void aSecondTapOnTheSameStateDirectoryIsRefusedAndTheFirstServesOn() throws Exception {
        TapConfig config = fixture.serve(fixture.config(), SIZE, "disk0").config();

        assertThatThrownBy(() -> Tap.start(config, fixture.sink, fixture.registry).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining(config.stateDir().getFileName().toString())
                .hasMessageContaining("in use by the tap in this process (pid " + ProcessHandle.current().pid() + ")");
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.STREAMING);

        fixture.tap.close();
        fixture.start(config); // the refusal left the directory to its owner, which released it on close
    }

    @Test
    void aStateDirectoryReusedForAnotherDiskIsRefusedInsteadOfSkippingItsInitialSync() throws Exception {
        fixture.serve(fixture.config(), SIZE, "disk0");
        fixture.tap.close();
        fixture.tap = null;
        Path another = fixture.image("another-vm", SIZE); // same export name, same size, another image

        TapConfig reused = fixture.config().export("disk0", another).build();
        assertThatThrownBy(() -> fixture.start(reused)).isInstanceOf(IOException.class)
                .hasMessageContaining("disk0.dirty").hasMessageContaining("made for the image with inode")
                .hasMessageContaining("delete");
        assertThatThrownBy(() -> fixture.start(reused)).as("again: the failed start left no lock behind")
                .hasMessageContaining("made for the image");

        int before = fixture.sink.records().size();
        Files.delete(reused.stateDir().resolve("disk0.dirty")); // the operator's remedy: protect the disk anew
        fixture.start(reused);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fixture.sink.records()
                .subList(before, fixture.sink.records().size())).as("the new disk's initial sync")
                .extracting(CapturingSink.Captured::kind).contains(RecordKind.SYNC_BEGIN, RecordKind.SYNC_END));
    }

    @Test
    void aRenamedImageKeepsItsBitmap() throws Exception {
        fixture.serve(fixture.config(), SIZE, "disk0");
        fixture.tap.close();
        fixture.tap = null;
        Path moved = Files.move(fixture.dir.resolve("disk0.img"), fixture.dir.resolve("moved.img"));

        fixture.start(fixture.config().export("disk0", moved).build());
        assertThat(fixture.tap.initialSyncRunning()).isFalse();
    }
}
