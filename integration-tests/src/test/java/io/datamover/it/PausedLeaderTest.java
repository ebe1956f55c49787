package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.coordination.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paused leader (issue 19), real processes: two source gateways of one site on a ZooKeeper server, a target, a tap
 * given both addresses, the campaign's guest writing. The leading source gateway is stopped (SIGSTOP) past its
 * session timeout while the guest writes; the other takes over under epoch 2; then the paused one is resumed
 * (SIGCONT), its journal and its link to the target as they were. None of its batches or acks is accepted after the
 * takeover: its fencing deadline passed while it was stopped, so it does not ship or take a tap under epoch 1 again;
 * the target admitted no connection of it since (a HELLO under epoch 1 would be refused STALE_EPOCH); the replica
 * stays a prefix of the acknowledged writes and converges to the source (sha256). The new leader's status names
 * itself as leader under epoch 2, the resumed gateway as its standby, and its one takeover.
 */
class PausedLeaderTest {
    /** Short, so the takeover comes soon after the pause; the paused leader's fence closes at half of it. */
    private static final String SESSION_TIMEOUT_SECONDS = "4";
    /** The target's log line for each source connection it admits, naming the source gateway's id. */
    private static final Pattern ADMITTED = Pattern.compile(
            "source (\\S+) \\([^)]*\\) \\(pair [^\\n]* streams consistency group");

    @TempDir
    Path base;

    @Test
    void aLeaderPausedPastItsSessionIsDeposedAndNothingOfItIsAcceptedAfterItResumes() throws Exception {
        try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start(base.resolve("zookeeper"), 0);
                ReplicatingGuest pair = startPair(zookeeper.connectString())) {
            ReplicationSite site = pair.site;
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 1);
            assertThat(admissionsOf(site, "source-gateway")).isPositive();

            site.source().pause(); // SIGSTOP: its sockets stay open, its session expires in ZooKeeper
            try {
                pair.keepsWriting();
                CoordinationAwaits.standbyLeadsUnderEpoch(site, 2);
                FaultAwaits.until(FaultAwaits.DEADLINE, "the target took the group over for the new leader",
                        () -> site.target().log().contains("a new leader of the source site's gateway group, under"
                                + " epoch 2"));
            } finally {
                site.source().resume(); // SIGCONT
            }
            long admittedBefore = admissionsOf(site, "source-gateway");
            FaultAwaits.until(FaultAwaits.DEADLINE, "the resumed gateway stands by",
                    () -> AdminMetrics.sum(site.sourceAdmin(), "datamover_coordination_leading") == 0
                            && AdminStatus.json(site.standbyAdmin()).contains("\"standbys\":[\"source-gateway\"]"));
            pair.keepsWriting();
            assertPrefix(pair);
            pair.converges(); // every acknowledged write, and the whole disk (sha256)

            assertThat(admissionsOf(site, "source-gateway")).as("no connection of the deposed leader admitted")
                    .isEqualTo(admittedBefore);
            assertThat(AdminMetrics.sum(site.standbyAdmin(), "datamover_coordination_epoch")).isEqualTo(2);
            String status = AdminStatus.json(site.standbyAdmin());
            assertThat(status).contains("\"session\":\"CONNECTED\"", "\"leadership\":{\"role\":\"LEADING\","
                    + "\"epoch\":2,\"leader\":\"source-gateway-b\"", "\"leaderEpoch\":2", "\"takeovers\":1");
        }
    }

    private ReplicatingGuest startPair(String zookeeper) throws Exception {
        List<String> coordination = List.of("--coordination", "zookeeper", "--zookeeper", zookeeper, "--site",
                "protected", "--zookeeper-session-timeout", SESSION_TIMEOUT_SECONDS);
        return ReplicatingGuest.start(base, coordination, 47, site -> site.withStandbySource(coordination));
    }

    /** How many source connections of gateway {@code id} the target has admitted. */
    private static long admissionsOf(ReplicationSite site, String id) throws Exception {
        Matcher m = ADMITTED.matcher(site.target().log());
        long count = 0;
        while (m.find()) {
            if (m.group(1).equals(id)) {
                count++;
            }
        }
        return count;
    }

    /** What the target holds now (its last consistent image, while a resync is under way) is a prefix. */
    private void assertPrefix(ReplicatingGuest pair) throws Exception {
        Path scratch = Files.createTempDirectory(base, "prefix-check");
        TargetDownCheck.Result check = TargetDownCheck.runWhilePaused(pair.site, pair.guest, pair.initial, scratch);
        assertThat(check.outcome()).as(check.detail()).isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
    }
}
