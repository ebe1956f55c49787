package io.datamover.it;

import io.datamover.it.ensemble.ZooKeeperEnsemble;
import io.datamover.it.ensemble.ZooKeeperNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source gateway with {@code --coordination zookeeper} on a real three-node ensemble, a guest writing: killing the
 * ZooKeeper server the gateway is connected to changes neither its leadership nor its epoch (its client moves to
 * another server within the session), the guest keeps writing, and the replica converges.
 */
class EnsembleCoordinationPairTest {
    @TempDir
    Path base;

    @Test
    void killingTheZooKeeperServerOfTheLeadingGatewayChangesNeitherLeaderNorEpoch() throws Exception {
        try (ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(base.resolve("ensemble"), 3)) {
            List<String> options = List.of("--coordination", "zookeeper", "--zookeeper", ensemble.connectString(),
                    "--site", "protected"); // the default session timeout: 10 s, fencing window 5 s
            try (ReplicatingGuest pair = ReplicatingGuest.start(base, options, 23)) {
                ReplicationSite site = pair.site;
                CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);
                ZooKeeperNode server = ensemble.nodes().stream().filter(ZooKeeperNode::holdsAnySession).findFirst()
                        .orElseThrow(() -> new AssertionError("no ZooKeeper server holds the gateway's session"));

                server.kill9();
                pair.keepsWriting();
                FaultAwaits.until(FaultAwaits.DEADLINE, "the gateway's session on another server",
                        () -> ensemble.nodes().stream().filter(n -> n != server && n.alive())
                                .anyMatch(ZooKeeperNode::holdsAnySession));
                CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);
                pair.converges();
                CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);
            }
        }
    }
}
