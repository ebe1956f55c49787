package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.coordination.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two source gateways of one site on a real ZooKeeper server, one target, a tap given both addresses, a guest
 * writing (issue 19). The tap's first gateway takes its group and leads it; the second opens the group only when the
 * tap comes to it. kill -9 of the leading gateway: the tap moves to the other, which answers NOT_LEADER until the
 * dead leader's session expires, then leads under a higher epoch; the target takes the new leader's history as a
 * takeover (it gives up what it holds, the tap resyncs what the old leader had acknowledged), and the guest never
 * stalls. The dead leader comes back with its data directory lost, and the new leader is killed in turn: the empty
 * one takes over under a third epoch, and the replica converges to the source with every acknowledged write.
 */
class SourceTakeoverTest {
    /** Short, so a takeover waits about this long for the dead leader's session; fencing at half of it. */
    private static final String SESSION_TIMEOUT_SECONDS = "6";

    @TempDir
    Path base;

    @Test
    void killNineOfTheLeaderThenOfTheNewLeaderWhileTheFirstCameBackWithoutItsDataDirectory() throws Exception {
        try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start(base.resolve("zookeeper"), 0);
                ReplicatingGuest pair = startPair(zookeeper)) {
            ReplicationSite site = pair.site;
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);

            site.killSource();
            pair.keepsWriting();
            CoordinationAwaits.standbyLeadsUnderEpoch(site, 2);
            pair.keepsWriting();
            assertThat(site.standby().log()).as("the standby sent the tap on while the dead leader's session lived")
                    .contains("NOT_LEADER");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target took the new leader's history", () -> site.target()
                    .log().contains("a new leader of the source site's gateway group, under epoch 2"));

            deleteTree(site.sourceDataDir()); // the dead leader's disk is lost too: it comes back empty, a standby
            site.startSource();
            site.standby().kill9(); // the new leader dies in turn, its journal with it
            pair.keepsWriting();
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 3);
            pair.converges(); // every write acknowledged through either leader, and the whole disk (sha256)
            assertThat(site.target().log()).contains("a new leader of the source site's gateway group, under epoch 3");
        }
    }

    private ReplicatingGuest startPair(EmbeddedZooKeeper zookeeper) throws Exception {
        List<String> coordination = List.of("--coordination", "zookeeper", "--zookeeper",
                zookeeper.connectString(), "--site", "protected", "--zookeeper-session-timeout",
                SESSION_TIMEOUT_SECONDS);
        return ReplicatingGuest.start(base, coordination, 31, site -> site.withStandbySource(coordination));
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
