package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.it.ensemble.ZooKeeperEnsemble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two source gateways of one site on a real three-node ZooKeeper ensemble ({@code QuorumPeerMain} JVMs), one target,
 * a tap given both addresses, a guest writing (issue 19). The tap's first gateway takes its group and leads it; the
 * second opens the group only when the tap comes to it. kill -9 of the leading gateway: the tap moves to the other,
 * which answers NOT_LEADER until the dead leader's session expires, then leads under a higher epoch; the target keeps
 * the image it applied and takes the new leader's history after the start of its tenure, and the tap, which kept its
 * dirty bits until the target applied the writes, resyncs only what the target had not applied (far less than the
 * disk). The guest never stalls. The dead leader comes back with its data directory lost, and the new leader is
 * killed in turn: the empty one takes over under a third epoch. Throughout, what the target holds is a prefix of the
 * guest's acknowledged writes (its last consistent image, when a resync is under way), and at the end the replica
 * converges to the source with every acknowledged write.
 */
class SourceTakeoverTest {
    /** Short, so a takeover waits about this long for the dead leader's session; fencing at half of it. */
    private static final String SESSION_TIMEOUT_SECONDS = "6";

    @TempDir
    Path base;

    @Test
    void killNineOfTheLeaderThenOfTheNewLeaderWhileTheFirstCameBackWithoutItsDataDirectory() throws Exception {
        try (ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(base.resolve("ensemble"), 3);
                ReplicatingGuest pair = startPair(ensemble)) {
            ReplicationSite site = pair.site;
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);

            site.killSource();
            pair.keepsWriting();
            assertPrefix(pair, "after the leader's kill -9");
            CoordinationAwaits.standbyLeadsUnderEpoch(site, 2);
            pair.keepsWriting();
            assertThat(site.standby().log()).as("the standby sent the tap on while the dead leader's session lived")
                    .contains("NOT_LEADER");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target took the group over for the new leader", () -> site
                    .target().log().contains("a new leader of the source site's gateway group, under epoch 2"));
            assertPrefix(pair, "right after the takeover");
            awaitResyncCompleted(site, 1);
            assertThat(resyncedBytes(site)).as("only what the target had not applied is resynced, not the disk")
                    .isLessThan(ReplicatingGuest.DISK / 2);

            deleteTree(site.sourceDataDir()); // the dead leader's disk is lost too: it comes back empty, a standby
            site.startSource();
            site.standby().kill9(); // the new leader dies in turn, its journal with it
            pair.keepsWriting();
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 3);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target took the group over for the empty gateway", () -> site
                    .target().log().contains("a new leader of the source site's gateway group, under epoch 3"));
            assertPrefix(pair, "right after the second takeover");
            pair.converges(); // every write acknowledged through either leader, and the whole disk (sha256)
            assertThat(resyncedBytes(site)).as("two takeovers, each resyncing what the target had not applied")
                    .isLessThan(ReplicatingGuest.DISK);
        }
    }

    private ReplicatingGuest startPair(ZooKeeperEnsemble ensemble) throws Exception {
        List<String> coordination = List.of("--coordination", "zookeeper", "--zookeeper",
                ensemble.connectString(), "--site", "protected", "--zookeeper-session-timeout",
                SESSION_TIMEOUT_SECONDS);
        return ReplicatingGuest.start(base, coordination, 31, site -> site.withStandbySource(coordination));
    }

    /** What the target holds now (its last consistent image, while a resync is under way) is a prefix. */
    private void assertPrefix(ReplicatingGuest pair, String when) throws Exception {
        Path scratch = Files.createTempDirectory(base, "prefix-check");
        TargetDownCheck.Result check = TargetDownCheck.runWhilePaused(pair.site, pair.guest, pair.initial, scratch);
        assertThat(check.outcome()).as(when + ": " + check.detail()).isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
        deleteTree(scratch);
    }

    private static void awaitResyncCompleted(ReplicationSite site, int runs) throws Exception {
        FaultAwaits.atLeast(FaultAwaits.DEADLINE, "the tap's resync after the takeover", () -> AdminMetrics.sum(
                site.tapAdmin(), "datamover_tap_resync_runs_total", "outcome=\"completed\""), runs);
    }

    /** What the tap's resyncs read or zeroed so far. */
    private static double resyncedBytes(ReplicationSite site) throws InterruptedException {
        return AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_bytes_read_total")
                + AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_bytes_zeroed_total");
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
