package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LabTls;
import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Frame;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source gateway with {@code --coordination embedded}: it runs a ZooKeeper server inside itself, leads its one
 * group and ships it; killed with SIGKILL and started again, it leads again under a higher epoch (the embedded
 * server closes the dead run's session, which held the group's lock) and the replica converges with every
 * acknowledged write. The target persisted the new epoch, and refuses a HELLO under the old one even from the
 * pair's real source-gateway certificate (a deposed leader), with nothing applied.
 */
class EmbeddedCoordinationPairTest {
    private static final String PAIR = "default";

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

            assertThat(targetsHighestEpoch(site)).as("admitted and persisted by the target").isEqualTo(2);
            String replica = Disks.sha256(site.replica()); // converged: the guest is stopped
            assertThat(helloUnder(site, 1)).as("a deposed leader's HELLO").singleElement()
                    .isInstanceOfSatisfying(ErrorFrame.class, e -> assertThat(e.code()).as(e.message())
                            .isEqualTo(ErrorCode.STALE_EPOCH));
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "STALE_EPOCH refusals counted", () -> AdminMetrics.sum(
                    site.targetAdmin(), "datamover_target_rejected_total", "code=\"STALE_EPOCH\""), 1);
            assertThat(site.target().log()).contains("epoch 1 is below epoch 2 already admitted");
            assertThat(Disks.sha256(site.replica())).as("nothing applied").isEqualTo(replica);
        }
    }

    private static long targetsHighestEpoch(ReplicationSite site) throws Exception {
        return HighestEpoch.open(site.replicaDir().resolve("cg-" + ReplicationSite.CG).resolve("epoch")).highest();
    }

    /** What the target answers a HELLO of the pair's source gateway under {@code epoch}, until it closes. */
    private static List<Frame> helloUnder(ReplicationSite site, long epoch) throws Exception {
        TlsFiles source = new TlsFiles(LabTls.dir(PAIR, ReplicationSite.CG), Role.SOURCE_GATEWAY);
        List<DiskInfo> disks = List.of(new DiskInfo(0, ReplicationSite.EXPORT, ReplicatingGuest.DISK, 4096));
        Hello hello = Hello.of(Role.SOURCE_GATEWAY, "deposed", PAIR, ReplicationSite.CG, "vm", disks)
                .withGenerations(GenerationHistory.first(), 1).withEpoch(epoch);
        try (HostilePeer peer = HostilePeer.presenting(source)) {
            return peer.send(site.targetPort(), hello, null).framesUntilClosed(Duration.ofSeconds(20));
        }
    }
}
