package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generations end to end, with the daemons as processes (docs/protocol.md, "Generations"): a source gateway whose
 * data directory is replaced by an older copy of itself is refused as DIVERGED instead of resumed after the
 * replica's seq (which would skip the guest's writes the copy does not hold, while both sides said all is fine);
 * nothing is applied while refused; {@code datamover resync --discard replica} resolves it and every write the
 * guest got acknowledged reaches the replica.
 */
class GenerationsTest {
    private static final String DIVERGED = "DIVERGED";
    private static final String DIVERGED_REFUSALS = "datamover_target_rejected_total";

    @TempDir
    Path base;

    @Test
    void aSourceGatewayRestoredFromAnOlderCopyIsRefusedAsDivergedUntilTheOperatorDiscardsTheReplica()
            throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 151)) {
            ReplicationSite site = pair.site;
            // A copy of the source gateway's data directory, taken while it is stopped...
            site.stopSource();
            Path copy = base.resolve("source-data-copy");
            copyTree(site.sourceDataDir(), copy);
            long copiedThrough = site.targetStatus().lastSeq();
            site.startSource();
            // ...then the guest writes on, and the replica gets well past what the copy holds.
            FaultAwaits.until(FaultAwaits.DEADLINE, "the replica past the copy's seq " + copiedThrough, () -> {
                AdminStatus target = site.targetStatus();
                return target != null && target.appliedSeq() != null && target.appliedSeq() > copiedThrough + 100;
            });

            // The source gateway comes back from the older copy.
            site.stopSource();
            deleteTree(site.sourceDataDir());
            copyTree(copy, site.sourceDataDir());
            site.startSource();

            FaultAwaits.until(FaultAwaits.DEADLINE, "both gateways DIVERGED", () -> diverged(site.sourceStatus())
                    && diverged(site.targetStatus()));
            assertThat(AdminMetrics.sum(site.targetAdmin(), DIVERGED_REFUSALS, "code=\"DIVERGED\"")).isPositive();
            assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_pair_diverged")).isEqualTo(1);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_pair_diverged")).isEqualTo(1);
            assertThat(site.source().log()).contains("refused as DIVERGED");
            assertThat(site.target().log()).contains("refused as DIVERGED").contains("journal at seq");

            // Refused again at the next attempt; nothing of the refused source reaches the replica.
            String replicaWhileRefused = Disks.sha256(site.replica());
            long appliedWhileRefused = site.targetStatus().appliedSeq();
            double refusals = AdminMetrics.sum(site.targetAdmin(), DIVERGED_REFUSALS, "code=\"DIVERGED\"");
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "DIVERGED refusals", () -> AdminMetrics.sum(site.targetAdmin(),
                    DIVERGED_REFUSALS, "code=\"DIVERGED\""), refusals + 1);
            assertThat(Disks.sha256(site.replica())).isEqualTo(replicaWhileRefused);
            assertThat(site.targetStatus().appliedSeq()).isEqualTo(appliedWhileRefused);
            assertThat(site.targetStatus().state()).isEqualTo(DIVERGED);
            pair.keepsWriting(); // the guest is never held up

            // The operator names the side whose data is discarded.
            assertThat(site.resync("--discard", "source").exitCode()).as("not supported yet").isOne();
            ReplicationSite.CommandRun resync = site.resync("--discard", "replica");
            assertThat(resync.exitCode()).as(resync.output()).isZero();
            assertThat(resync.output()).contains("discarding the replica");
            ReplicationSite.CommandRun again = site.resync("--discard", "replica");
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(again.output()).contains("already resolved");

            pair.converges();
            assertThat(site.tap().log()).as("the tap was told to resync its whole disks")
                    .contains("asks for a resync of the whole disks");
            assertThat(site.target().log()).contains("gave up what they held after seq");
            assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_pair_diverged")).isZero();
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_pair_diverged")).isZero();
        }
    }

    @Test
    void aReplicaSetCopiedFromAnotherPairsHistoryIsRefusedAsUnrelatedAndNotTakenOverByADiscard() throws Exception {
        // Another source's replica set of the same pair id and group: a history of its own.
        Path otherReplicaSet;
        try (ReplicationSite other = new ReplicationSite(Files.createDirectories(base.resolve("other")),
                ReplicatingGuest.DISK, "2M")) {
            other.start();
            FaultAwaits.replicating(other);
            otherReplicaSet = other.replica().getParent();
        }
        try (ReplicatingGuest pair = ReplicatingGuest.start(Files.createDirectories(base.resolve("this")), List.of(),
                152)) {
            ReplicationSite site = pair.site;
            pair.guest.close();
            FaultAwaits.until(FaultAwaits.DEADLINE, "the target idle, its spool applied", () -> {
                AdminStatus target = site.targetStatus();
                return target != null && target.appliedSeq() != null && target.appliedSeq() == target.lastSeq()
                        && target.lastSeq() == site.tapStatus().lastSeq();
            });
            site.killTarget();
            Path replicaSet = site.replica().getParent();
            deleteTree(replicaSet);
            copyTree(otherReplicaSet, replicaSet);
            String copied = Disks.sha256(site.replica());
            site.startTarget();

            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "UNRELATED refusals", () -> AdminMetrics.sum(site.targetAdmin(),
                    DIVERGED_REFUSALS, "code=\"UNRELATED\""), 1);
            FaultAwaits.until(FaultAwaits.DEADLINE, "both gateways DIVERGED", () -> diverged(site.sourceStatus())
                    && diverged(site.targetStatus()));
            assertThat(site.target().log()).contains("refused as UNRELATED: no common generation");
            ReplicationSite.CommandRun resync = site.resync("--discard", "replica");
            assertThat(resync.exitCode()).as(resync.output()).isOne();
            assertThat(resync.output()).contains("UNRELATED").contains("Move the target's replica set");
            assertThat(Disks.sha256(site.replica())).as("nothing written into the copied replica set")
                    .isEqualTo(copied);
        }
    }

    private static boolean diverged(AdminStatus status) {
        return status != null && status.state().equals(DIVERGED);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
