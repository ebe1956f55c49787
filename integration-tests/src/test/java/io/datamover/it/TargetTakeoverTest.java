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
 * Two target gateways of one recovery site on a real three-node ZooKeeper ensemble ({@code QuorumPeerMain} JVMs), on
 * one replica directory (shared storage), each with its own data directory; one source gateway given both addresses,
 * a tap, a guest writing (issue 19). The first target gateway the source reaches leads the group under epoch 1. kill -9
 * of it while the guest writes: the other answers NOT_LEADER while the dead leader's session lives, then leads under
 * epoch 2, opens the group on the shared replicas (a crash restart by another process) and the source resends what
 * the replicas had not applied (its journal keeps every record until APPLIED). The guest never stalls; what the
 * replicas hold is a prefix of the guest's acknowledged writes after the kill and after the takeover, and at the end
 * the replica converges to the source with every acknowledged write.
 */
class TargetTakeoverTest {
    /** Short, so a takeover waits about this long for the dead leader's session; fencing at half of it. */
    private static final String SESSION_TIMEOUT_SECONDS = "6";

    @TempDir
    Path base;

    @Test
    void killNineOfTheLeadingTargetGatewayWhileTheGuestWrites() throws Exception {
        try (ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(base.resolve("ensemble"), 3);
                ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 37,
                        site -> site.withStandbyTarget(List.of("--coordination", "zookeeper", "--zookeeper",
                                ensemble.connectString(), "--site", "recovery", "--zookeeper-session-timeout",
                                SESSION_TIMEOUT_SECONDS)))) {
            ReplicationSite site = pair.site;
            CoordinationAwaits.targetLeadsUnderEpoch(site, 1);

            site.killTarget();
            assertPrefix(pair, "after the leading target gateway's kill -9", false);
            pair.keepsWriting();
            site.swapTargets();
            CoordinationAwaits.targetLeadsUnderEpoch(site, 2);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the new leader opened the group under epoch 2", () -> site
                    .target().log().contains("this target gateway leads the group under epoch 2"));
            assertThat(site.source().log()).as("the standby sent the source on while the dead leader's session lived")
                    .contains("NOT_LEADER");
            pair.keepsWriting();
            assertPrefix(pair, "right after the takeover", true);
            pair.converges(); // every acknowledged write, and the whole disk (sha256)
        }
    }

    /**
     * What the replicas hold now (their last consistent image, while a resync is under way) is a prefix: with the
     * leading target gateway {@code running}, it is paused while its directories are copied.
     */
    private void assertPrefix(ReplicatingGuest pair, String when, boolean running) throws Exception {
        Path scratch = Files.createTempDirectory(base, "prefix-check");
        TargetDownCheck.Result check = running
                ? TargetDownCheck.runWhilePaused(pair.site, pair.guest, pair.initial, scratch)
                : TargetDownCheck.run(pair.site, pair.guest, pair.initial, scratch);
        assertThat(check.outcome()).as(when + ": " + check.detail()).isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
        try (Stream<Path> paths = Files.walk(scratch)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
