package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.it.ensemble.ZooKeeperEnsemble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two source gateways of one site on a real three-node ZooKeeper ensemble ({@code QuorumPeerMain} JVMs), one target,
 * a tap given both addresses, a guest writing (issue 19). The tap's first gateway takes its group and leads it; the
 * second opens the group only when the tap comes to it. kill -9 of the leading gateway: the tap moves to the other,
 * which answers NOT_LEADER until the dead leader's session expires, then leads under a higher epoch; the target keeps
 * the image it applied and takes the new leader's history after the start of its tenure, and the tap, which kept its
 * dirty bits until the target applied the writes, resyncs only what the target had not applied (less than the
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
            assertResyncsOnlyWhatTheTargetHadNotApplied(site, 1);

            deleteTree(site.sourceDataDir()); // the dead leader's disk is lost too: it comes back empty, a standby
            site.startSource();
            site.standby().kill9(); // the new leader dies in turn, its journal with it
            pair.keepsWriting();
            CoordinationAwaits.sourceLeadsUnderEpoch(site, 3);
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target took the group over for the empty gateway", () -> site
                    .target().log().contains("a new leader of the source site's gateway group, under epoch 3"));
            assertPrefix(pair, "right after the second takeover");
            assertResyncsOnlyWhatTheTargetHadNotApplied(site, 2);
            pair.converges(); // every write acknowledged through either leader, and the whole disk (sha256)
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

    /**
     * The tap's {@code takeover}-th loss of its gateway's acknowledged records took the path of the bits kept until
     * APPLIED, and the resync that followed it copies less than the whole disk (before, every region was resynced). How
     * much less depends on the guest: its random writes over a small disk touch many regions in the seconds a takeover
     * lasts (the tap's {@code ResyncTest} checks the regions exactly).
     */
    private static void assertResyncsOnlyWhatTheTargetHadNotApplied(ReplicationSite site, int takeover)
            throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the tap's resync after takeover " + takeover, () -> {
            String log = site.tap().log();
            int lost = nthIndexOf(log, "acknowledged as durable before", takeover);
            return lost >= 0 && RESYNC_START.matcher(log).find(lost);
        });
        String log = site.tap().log();
        int lost = nthIndexOf(log, "acknowledged as durable before", takeover);
        assertThat(log.substring(lost, log.indexOf('\n', lost))).contains("the regions its target had not applied");
        Matcher start = RESYNC_START.matcher(log);
        assertThat(start.find(lost)).isTrue();
        assertThat(Long.parseLong(start.group(1))).as("bytes the resync after takeover %d copies", takeover)
                .isLessThan(ReplicatingGuest.DISK);
    }

    /** The tap's log line at the start of a resync, with the bytes it copies. */
    private static final Pattern RESYNC_START = Pattern.compile("resync starts at seq \\d+: dirty bytes per disk "
            + "\\[" + ReplicationSite.EXPORT + "=(\\d+)\\]");

    private static int nthIndexOf(String text, String what, int n) {
        int at = -1;
        for (int i = 0; i < n; i++) {
            at = text.indexOf(what, at + 1);
            if (at < 0) {
                return -1;
            }
        }
        return at;
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
