package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source gateway with {@code --coordination embedded}: it runs a ZooKeeper server inside itself, leads its one
 * group and ships it; killed with SIGKILL and started again, it leads again under a higher epoch (the embedded
 * server closes the dead run's session, which held the group's lock) and the replica converges with every
 * acknowledged write.
 */
class EmbeddedCoordinationPairTest {
    @TempDir
    Path base;

    @Test
    void aSourceGatewayOnItsEmbeddedZooKeeperShipsAndLeadsAgainAfterKillNine() throws Exception {
        List<String> embedded = List.of("--coordination", "embedded");
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, embedded, 19)) {
            ReplicationSite site = pair.site;
            assertThat(site.sourceDataDir().resolve("zookeeper")).isDirectory();
            pair.keepsWriting();
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);

            site.killSource();
            site.startSource();
            pair.keepsWriting();
            pair.converges();
            // a new tenure: the epoch rose, kept in the embedded server's data
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 2);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_coordination_connected")).isEqualTo(1);
            assertThat(Files.readString(base.resolve("source.log")))
                    .contains("joined site default on ZooKeeper 127.0.0.1:", "(embedded: not highly available)");
        }
    }
}
