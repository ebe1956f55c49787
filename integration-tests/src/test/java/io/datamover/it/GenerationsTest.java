package io.datamover.it;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
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
            assertThat(site.tap().log()).as("the tap was told to resync what the replica was written in")
                    .containsPattern("asks for a resync of (the whole disks|[0-9]+ ranges)");
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

    /**
     * The resolution resyncs only what differs: a 64 MiB disk with 40 MiB of data; the source gateway is restored from
     * a copy taken before the guest wrote 2 regions (and the tap restarts with it, so it cannot tell from its seqs).
     * The replica holds those 2 regions, the restored journal does not: after {@code resync --discard replica} the
     * tap resyncs about those 2 regions (the target's report of what it was written in after the common point), not
     * the whole disk, and the replica equals the source.
     */
    @Test
    void aDiscardResyncsOnlyTheRegionsTheReplicaWasWrittenInAfterTheCommonPoint() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, ReplicatingGuest.DISK, "8M").start()) {
            writeAndConverge(site, "write -P 0x11 0 40M");
            site.stopSource();
            Path copy = base.resolve("source-data-copy");
            copyTree(site.sourceDataDir(), copy);
            site.startSource();
            writeAndConverge(site, "write -P 0x22 50M 1M", "write -P 0x33 61M 4k"); // 2 regions the copy lacks

            site.killTap();
            site.stopSource();
            deleteTree(site.sourceDataDir());
            copyTree(copy, site.sourceDataDir());
            site.startSource();
            site.startTap();
            FaultAwaits.until(FaultAwaits.DEADLINE, "both gateways DIVERGED", () -> diverged(site.sourceStatus())
                    && diverged(site.targetStatus()));
            FaultAwaits.until(FaultAwaits.DEADLINE, "the tap streaming", () -> site.tapStatus() != null
                    && site.tapStatus().state().equals("STREAMING"));
            double resyncedBefore = resyncedBytes(site);

            ReplicationSite.CommandRun resync = site.resync("--discard", "replica");
            assertThat(resync.exitCode()).as(resync.output()).isZero();
            assertThat(ConvergenceCheck.await(site, FaultAwaits.DEADLINE)).as("converged: tap %s, target %s\n%s",
                    site.tapStatus(), site.targetStatus(), site.logTails()).isTrue();
            double resynced = resyncedBytes(site) - resyncedBefore;
            System.out.printf("discard resync: %.0f bytes resynced by the tap (disk %d bytes, 40 MiB of data)%n",
                    resynced, ReplicatingGuest.DISK);

            assertThat(site.tap().log()).contains("asks for a resync of 2 ranges");
            assertThat(resynced).as("bytes the tap resynced for the discard (sent and zeroed)")
                    .isPositive().isLessThanOrEqualTo(4.0 * (1 << 20));
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    /** DATA bytes sent plus ZERO bytes the tap's resyncs have covered so far. */
    private static double resyncedBytes(ReplicationSite site) throws InterruptedException {
        return AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_bytes_sent_total")
                + AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_bytes_zeroed_total");
    }

    private static void writeAndConverge(ReplicationSite site, String... commands) throws Exception {
        Tools.Result written = Tools.run(FaultAwaits.DEADLINE, qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, commands));
        assertThat(written.exitCode()).as(written.output()).isZero();
        assertThat(ConvergenceCheck.await(site, FaultAwaits.DEADLINE)).as("converged: tap %s, target %s\n%s",
                site.tapStatus(), site.targetStatus(), site.logTails()).isTrue();
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
