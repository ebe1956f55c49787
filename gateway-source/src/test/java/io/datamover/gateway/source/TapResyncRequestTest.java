package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ResyncRegions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tap's owed resync waits for the target's report, keeps it durably, and is done at the last SYNC_END. */
class TapResyncRequestTest {
    private static final CgIdentity GROUP = new CgIdentity("pair-a", 4, "vm", List.of(
            new DiskInfo(0, "root", 64L << 20, 4096), new DiskInfo(1, "data", 8L << 20, 4096)));
    private static final ResyncRegions TWO_RANGES = new ResyncRegions(4, false, List.of(
            new ResyncRegions.Range(0, 50L << 20, 1L << 20), new ResyncRegions.Range(1, 0, 1L << 20)));

    @TempDir
    Path dir;

    @Test
    void theTapIsToldOnlyOnceTheTargetReportedWhatAndAfterARestartToo() throws Exception {
        TapResyncRequest request = TapResyncRequest.open(dir, GROUP);
        request.request();
        assertThat(request.awaitingReport()).isTrue();
        assertThat(request.tellOnce()).as("nothing to tell before the target's report").isNull();

        assertThat(request.reported(TWO_RANGES)).isTrue();
        assertThat(request.reported(ResyncRegions.everything(4))).as("a later report changes nothing").isFalse();
        assertThat(request.awaitingReport()).isFalse();

        TapResyncRequest restarted = TapResyncRequest.open(dir, GROUP);
        assertThat(restarted.awaitingReport()).isFalse();
        assertThat(restarted.tellOnce()).isEqualTo(TWO_RANGES);
        assertThat(restarted.tellOnce()).as("once per run").isNull();
        restarted.syncBegan(0);
        restarted.syncBegan(1);
        restarted.syncEnded(0);
        assertThat(Files.exists(dir.resolve(TapResyncRequest.FILE_NAME))).isTrue();
        restarted.syncEnded(1);
        assertThat(Files.exists(dir.resolve(TapResyncRequest.FILE_NAME))).as("done at every disk's SYNC_END")
                .isFalse();
    }

    @Test
    void theEndOfAResyncBegunBeforeTheTapWasToldDoesNotCount() throws Exception {
        TapResyncRequest request = TapResyncRequest.open(dir, GROUP);
        request.request();
        request.reported(TWO_RANGES);
        request.syncBegan(0);
        request.syncBegan(1);
        assertThat(request.tellOnce()).isEqualTo(TWO_RANGES);
        request.syncEnded(0);
        request.syncEnded(1);
        assertThat(Files.exists(dir.resolve(TapResyncRequest.FILE_NAME))).as("still owed").isTrue();

        request.syncBegan(0);
        request.syncBegan(1);
        request.syncEnded(0);
        request.syncEnded(1);
        assertThat(Files.exists(dir.resolve(TapResyncRequest.FILE_NAME))).as("done by the resync begun after")
                .isFalse();
    }

    @Test
    void aRequestOfAnEarlierBuildAwaitsTheReport() throws Exception {
        Files.writeString(dir.resolve(TapResyncRequest.FILE_NAME), "the tap owes a resync of its whole disks\n");
        TapResyncRequest request = TapResyncRequest.open(dir, GROUP);
        assertThat(request.awaitingReport()).isTrue();
        assertThat(request.reported(ResyncRegions.everything(4))).isTrue();
        assertThat(request.tellOnce()).isEqualTo(ResyncRegions.everything(4));
    }
}
