package io.datamover.it;

import io.datamover.applier.ConsistentImageRollback;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the fault campaign checks while the target gateway is down after a kill -9: is what it left a prefix of
 * the guest's writes? It works on copies, never on the live directories.
 *
 * <p>First the replica set as the crash left it, rolled back to its last consistent image when a resync was under
 * way (undo log present). A crash in the middle of applying a batch legitimately leaves that batch torn on disk:
 * the invariant holds "after recovery". So when that image is not a prefix, a scratch target gateway is started
 * on a copy of the replica set and of the spool (it applies what the spool holds, as the real one will on
 * restart), stopped, rolled back if a resync was under way, and the result checked. Only a failure then is a
 * divergence.
 */
final class TargetDownCheck {
    enum Outcome {
        /** The replica set as the crash left it is a prefix. */
        PREFIX,
        /** A resync was under way; its last consistent image is a prefix. */
        PREFIX_ROLLED_BACK,
        /** Torn by the crash; a prefix once the spool was applied (as a restart does). */
        PREFIX_AFTER_REPLAY,
        /** No replica set yet (the kill came before the first batch). */
        NO_REPLICA_YET,
        DIVERGED
    }

    /**
     * @param noPrefixBeforeRollback a resync was under way and its image, before the rollback, was not a prefix
     */
    record Result(Outcome outcome, String detail, boolean noPrefixBeforeRollback) {}

    private static final Duration REPLAY_DEADLINE = Duration.ofSeconds(60);

    private TargetDownCheck() {}

    /** Call with the target gateway down; {@code workload} keeps running (it does not need the target). */
    static Result run(ReplicationSite site, CampaignWorkload workload, Path initial, Path scratch)
            throws IOException, InterruptedException {
        if (!Files.exists(site.replica())) {
            return new Result(Outcome.NO_REPLICA_YET, "", false);
        }
        return check(site, workload, initial, scratch, freeze(site, scratch));
    }

    /**
     * The same check with the target gateway running: it is paused (SIGSTOP) while its directories are copied, so the
     * copy is what a crash at that moment would leave, and resumed at once.
     */
    static Result runWhilePaused(ReplicationSite site, CampaignWorkload workload, Path initial, Path scratch)
            throws IOException, InterruptedException {
        if (!Files.exists(site.replica())) {
            return new Result(Outcome.NO_REPLICA_YET, "", false);
        }
        site.target().pause();
        Path frozen;
        try {
            frozen = freeze(site, scratch);
        } finally {
            site.target().resume();
        }
        return check(site, workload, initial, scratch, frozen);
    }

    /** Copies the target's replica set and data directory, as they are, under {@code scratch}. */
    private static Path freeze(ReplicationSite site, Path scratch) throws IOException {
        Path frozen = scratch.resolve("frozen");
        copyTree(site.replicaDir(), frozen.resolve("replicas"));
        copyTree(site.targetDataDir(), frozen.resolve("target-data"));
        return frozen;
    }

    private static Result check(ReplicationSite site, CampaignWorkload workload, Path initial, Path scratch,
            Path frozen) throws IOException, InterruptedException {
        Path replicaSet = site.replica().getParent();
        // The write in flight when the copy was taken may already be on the replica: wait for its acknowledgement.
        workload.awaitWrites(workload.log().size(), 1, Duration.ofSeconds(60));
        List<WriteLog.Write> writes = workload.log().snapshot();

        Path asLeft = scratch.resolve("as-left");
        copyTree(frozen.resolve("replicas"), asLeft);
        Path asLeftSet = asLeft.resolve(replicaSet.getFileName());
        Path asLeftImage = asLeftSet.resolve(site.replica().getFileName());
        PrefixChecker.Result beforeRollback = PrefixChecker.check(initial, asLeftImage, writes);
        boolean rolledBack = rollBackIfResyncing(asLeftSet);
        PrefixChecker.Result raw = rolledBack ? PrefixChecker.check(initial, asLeftImage, writes) : beforeRollback;
        if (raw.consistent()) {
            // Before the rollback a resync's image is usually no prefix: what shows the check can fail.
            return new Result(rolledBack ? Outcome.PREFIX_ROLLED_BACK : Outcome.PREFIX, raw.describe(),
                    rolledBack && !beforeRollback.consistent());
        }
        replay(frozen, scratch.resolve("replay.log"));
        Path frozenSet = frozen.resolve("replicas").resolve(replicaSet.getFileName());
        boolean rolledBackAfterReplay = rollBackIfResyncing(frozenSet);
        PrefixChecker.Result replayed = PrefixChecker.check(initial, frozenSet.resolve(site.replica().getFileName()),
                writes);
        String detail = "as left" + (rolledBack ? " and rolled back" : "") + ": " + raw.describe()
                + "; after replaying the spool" + (rolledBackAfterReplay ? " and rolling back" : "") + ": "
                + replayed.describe();
        return new Result(replayed.consistent() ? Outcome.PREFIX_AFTER_REPLAY : Outcome.DIVERGED, detail, false);
    }

    /** Rolls the replica set back to its last consistent image when a resync left it INCONSISTENT. */
    private static boolean rollBackIfResyncing(Path replicaSet) throws IOException {
        try {
            ConsistentImageRollback.rollback(replicaSet);
            return true;
        } catch (RollbackRefusedException e) {
            if (e.getMessage().contains("consistent already")) {
                return false;
            }
            // --initial-sync skip makes the replica consistent at its first SYNC_END, which the campaign awaits
            // before its first fault: anything else is a finding.
            throw new AssertionError("the replica set cannot be checked: " + e.getMessage(), e);
        }
    }

    /** A scratch target gateway on the copy applies what its spool holds, then is stopped. */
    private static void replay(Path frozen, Path log) throws IOException, InterruptedException {
        int port = LoopbackPorts.next();
        String admin = ReplicationSite.admin();
        try (DaemonProcess scratch = new DaemonProcess("scratch target-gateway", log, "target-gateway", "--listen",
                "127.0.0.1:" + port, "--data-dir", frozen.resolve("target-data").toString(), "--replica-dir",
                frozen.resolve("replicas").toString(), "--admin", admin).start(port)) {
            long end = System.nanoTime() + REPLAY_DEADLINE.toNanos();
            while (true) {
                AdminStatus status = AdminStatus.fetch(admin);
                if (status != null && status.appliedSeq() != null && status.appliedSeq() == status.lastSeq()) {
                    return;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("the scratch target did not apply its spool in " + REPLAY_DEADLINE
                            + " (status " + status + "):\n" + scratch.log());
                }
                Thread.sleep(100); // polling its admin port with a deadline
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        if (!Files.exists(from)) {
            return;
        }
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Path dest = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
