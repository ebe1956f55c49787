package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.CrashPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crash recovery at every persistence point ({@link CrashPoint.Point}): the daemon owning the point is started
 * armed to halt (as kill -9 would) at a seeded hit of it while a guest writes; once it has exited by itself, what
 * the invariants require right then (docs/architecture.md, "Invariants and where they live") is checked (the
 * replica as left is a prefix of the guest's acknowledged writes, or becomes one when the spool is applied, as
 * {@link TargetDownCheck} does), the daemon is started again unarmed and
 * the pair must converge: the replica equals the source and holds every acknowledged write. A point the daemon
 * never reaches fails the test.
 *
 * <p>One pair serves every point in turn (each starts from the converged state the previous one left; a failed
 * point leaves a fresh pair to the next). Hit counts come from {@code -Ddatamover.crash.seed} (printed);
 * {@code -Ddatamover.crash.points=A,B} runs only those points, {@code -Ddatamover.crash.hit=N} crashes them at
 * hit N instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashPointTest {
    private static final long DEFAULT_SEED = 20261122L;
    private static final long DISK = 16L << 20;
    private static final long GUEST_BYTES_PER_SECOND = 2L << 20;
    /** Large enough that the tap rides through a source gateway restart without bitmap mode. */
    private static final String TAP_WINDOW = "32M";
    /** Short, so that the tap clears dirty bits (TAP_DIRTY_CLEARED) within a second of an ack. */
    private static final String DIRTY_RETENTION_SECONDS = "0.3";
    /**
     * The crash comes at hit 1 to this many of a point reached once per guest write (about 60 a second), so that it
     * often comes after batches reached the replica; a point reached per batch, sync or sweep (a few a second)
     * crashes at hit 1 to {@link #MAX_HITS}. Either way within a few seconds.
     */
    private static final int MAX_HITS_PER_WRITE = 100;
    private static final int MAX_HITS = 8;
    private static final Set<CrashPoint.Point> PER_WRITE = EnumSet.of(CrashPoint.Point.TAP_DIRTY_MARKED,
            CrashPoint.Point.TAP_LOCAL_WRITE_DONE, CrashPoint.Point.TAP_RECORD_SENT,
            CrashPoint.Point.SOURCE_JOURNAL_APPENDED, CrashPoint.Point.SOURCE_TAILER_ADVANCED,
            CrashPoint.Point.TARGET_APPLY_ENTRY_WRITTEN);
    /**
     * Points reached in a resync after bitmap mode, once per resync: the test kills the tap while the guest writes,
     * so that it starts again with dirty regions and resyncs them, and crashes at the first hit.
     */
    private static final Set<CrashPoint.Point> IN_RESYNC = EnumSet.of(CrashPoint.Point.TAP_RESYNC_STARTED,
            CrashPoint.Point.TAP_RESYNC_SYNC_END_SENT, CrashPoint.Point.TARGET_UNDO_SAVED,
            CrashPoint.Point.TARGET_UNDO_DROPPED);
    /**
     * Points reached in the initial sync of a new disk: each runs on a fresh pair whose source disk holds data
     * ({@code --initial-sync auto}), with the tap armed from its first start.
     */
    private static final Set<CrashPoint.Point> IN_INITIAL_SYNC = EnumSet.of(
            CrashPoint.Point.TAP_INITIAL_SYNC_CHUNK_COVERED, CrashPoint.Point.TAP_INITIAL_SYNC_END_SENT);
    /** The data an initial sync copies: this many chunks of 64 KiB scattered over the disk. */
    private static final int INITIAL_DATA_CHUNKS = 64;
    /** Guest writes before the tap is killed to leave dirty regions for a resync point. */
    private static final int WRITES_BEFORE_TAP_KILL = 30;
    private static final Duration CRASH_DEADLINE = Duration.ofSeconds(30);
    private static final Duration CONVERGE_DEADLINE = Duration.ofSeconds(60);
    private static final Duration QUIESCE_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path base;

    private final long seed = Long.getLong("datamover.crash.seed", DEFAULT_SEED);
    private final List<String> selected = Arrays.stream(System.getProperty("datamover.crash.points", "").split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).map(s -> s.toUpperCase(Locale.ROOT)).toList();
    private final List<String> report = new ArrayList<>();
    private ReplicationSite site;
    /** The source disk (and the replica) as the current site's last converged point left it. */
    private Path converged;
    private int sites;

    @ParameterizedTest
    // The failover's points are a command's steps, not the data path's: FailoverCrashTest crashes each of them.
    // The failback's too: FailbackCrashTest crashes each of them; the migration's (MIGRATE_*): MigrationCrashTest.
    // TARGET_REPLICA_GROWN is reached only when a disk grows: GrowingDiskTest crashes there.
    @EnumSource(value = CrashPoint.Point.class, names = {"FAILOVER_.*", "FAILBACK_.*", "MIGRATE_.*", "TARGET_REPLICA_GROWN"},
            mode = EnumSource.Mode.MATCH_NONE)
    void recoversFromACrashAtThePoint(CrashPoint.Point point) throws Exception {
        Assumptions.assumeTrue(selected.isEmpty() || selected.contains(point.name()), "not selected");
        long pointSeed = seed + point.ordinal();
        long drawn = 1 + new SplittableRandom(pointSeed).nextInt(maxHits(point));
        long after = Long.getLong("datamover.crash.hit", drawn);
        System.out.printf("crash point %s: seed %d (-Ddatamover.crash.seed=%d -Ddatamover.crash.points=%s),"
                + " crash at hit %d%n", point, pointSeed, seed, point, after);
        Path dir = Files.createDirectories(base.resolve(point.name().toLowerCase(Locale.ROOT)));
        Outcome outcome = new Outcome(point, after);
        try {
            run(point, after, pointSeed, dir, outcome);
        } catch (Throwable t) {
            outcome.failure = t.toString().lines().findFirst().orElse("");
            String tails = site == null ? "" : site.logTails();
            closeSite(); // the next point starts on a fresh pair
            throw new AssertionError("crash point " + point + " (hit " + after + ", seed " + pointSeed + "): "
                    + t.getMessage() + "\n" + tails, t);
        } finally {
            report.add(outcome.line());
            System.out.println(outcome.line());
        }
    }

    private void run(CrashPoint.Point point, long after, long pointSeed, Path dir, Outcome outcome) throws Exception {
        boolean inInitialSync = IN_INITIAL_SYNC.contains(point);
        ReplicationSite pair = inInitialSync ? siteSyncingArmed(point, after) : site();
        Path initial = Files.copy(converged, dir.resolve("initial.img"), StandardCopyOption.REPLACE_EXISTING);
        DaemonProcess owner = owner(pair, point);
        boolean inResync = IN_RESYNC.contains(point);
        if (!inResync && !inInitialSync) {
            restartArmed(pair, point, after);
        }
        if (owner == pair.source()) {
            awaitTapAttached(pair); // so that the guest's writes reach the target before the crash, not only after
        }
        try (CampaignWorkload guest = new CampaignWorkload(pair.nbdPort(), ReplicationSite.EXPORT, DISK,
                GUEST_BYTES_PER_SECOND, pointSeed).start()) {
            if (inResync) {
                // A tap killed while the guest writes starts again with dirty regions: it resyncs them at once.
                guest.awaitWrites(guest.log().size(), WRITES_BEFORE_TAP_KILL, Duration.ofSeconds(60));
                pair.killTap();
                restartArmed(pair, point, after);
                if (owner != pair.tap()) {
                    pair.startTap();
                }
            }
            long guestStart = System.nanoTime();
            Integer exit = owner.awaitExit(CRASH_DEADLINE);
            assertThat(exit).as("%s never crashed at %s within %s (%d writes)", owner(point), point, CRASH_DEADLINE,
                    guest.log().size()).isNotNull();
            assertThat(exit).as("exit status of %s: the injected crash's", owner(point))
                    .isEqualTo(CrashPoint.EXIT_STATUS);
            outcome.crashed = true;
            outcome.crashAfter = Duration.ofNanos(System.nanoTime() - guestStart);
            outcome.writesAtCrash = guest.log().size();
            outcome.prefix = checkRightAfterTheCrash(pair, point, guest, initial, dir);
            guest.checkHealthy();
            guest.awaitWrites(guest.log().size(), 1, Duration.ofSeconds(60)); // the guest goes on after the restart
            long stopped = System.nanoTime();
            guest.close(); // the log is final from here
            guest.checkHealthy();
            outcome.writes = guest.log().size();
            assertThat(ConvergenceCheck.await(pair, CONVERGE_DEADLINE)).as("converged within %s: tap %s, target %s",
                    CONVERGE_DEADLINE, pair.tapStatus(), pair.targetStatus()).isTrue();
            outcome.converge = Duration.ofNanos(System.nanoTime() - stopped);
            assertThat(ConvergenceCheck.divergences(pair, initial, guest.log().snapshot())).isEmpty();
        }
        converged = Files.copy(pair.sourceDisk(), dir.resolve("converged.img"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The highest hit a point may crash at: it must be reached within seconds. */
    private static int maxHits(CrashPoint.Point point) {
        if (PER_WRITE.contains(point)) {
            return MAX_HITS_PER_WRITE;
        }
        boolean oncePerSync = IN_RESYNC.contains(point) || point == CrashPoint.Point.TAP_INITIAL_SYNC_END_SENT;
        return oncePerSync ? 1 : MAX_HITS;
    }

    /** Stops {@code point}'s owner cleanly (if it runs) and starts it again, armed to crash at hit {@code after}. */
    private static void restartArmed(ReplicationSite pair, CrashPoint.Point point, long after) throws Exception {
        DaemonProcess owner = owner(pair, point);
        owner.close();
        owner.javaOptions(armed(point, after));
        restart(pair, point);
        owner.javaOptions("");
    }

    private static String armed(CrashPoint.Point point, long after) {
        return "-D" + CrashPoint.POINT_PROPERTY + "=" + point + " -D" + CrashPoint.AFTER_PROPERTY + "=" + after;
    }

    /**
     * A fresh pair whose source disk holds data and whose tap copies it ({@code --initial-sync auto}), the tap
     * launched armed: it may crash before its NBD port is up, so nothing waits for that port.
     */
    private ReplicationSite siteSyncingArmed(CrashPoint.Point point, long after) throws Exception {
        closeSite();
        Path dir = Files.createDirectories(base.resolve("site-" + sites++));
        ReplicationSite fresh = new ReplicationSite(dir, DISK, TAP_WINDOW, List.of(), "auto");
        Disks.scatter(fresh.sourceDisk(), DISK, 64 << 10, INITIAL_DATA_CHUNKS, seed + sites);
        converged = Files.copy(fresh.sourceDisk(), dir.resolve("initial.img"));
        // The initial sync's points need the sync to stream: the tap waits for its first handshake instead of the
        // 5 s default, which a loaded machine can spend on the journal's first opening and the TLS handshake (the
        // tap then syncs in bitmap mode and its resync, not the initial sync, copies the disk).
        fresh.tap().extraArgs("--dirty-retention", DIRTY_RETENTION_SECONDS, "--connect-wait", "60");
        site = fresh;
        fresh.startTarget();
        fresh.startSource();
        fresh.tap().javaOptions(armed(point, after)).launch();
        fresh.tap().javaOptions("");
        return fresh;
    }

    /**
     * With the owner down: the target's replica as left must be a prefix of the acknowledged writes. A target crash
     * is checked as the fault campaign does (a torn batch must become a prefix once its spool is applied); so is a
     * tap crash in a resync, after a clean stop of the target and a restart of the tap (a replica in a resync is
     * INCONSISTENT: its consistent image, rolled back from the undo log, is what must be a prefix). After any other crash of the tap or the
     * source gateway the target is alive and stops at a batch boundary, where its replica must be a prefix as it
     * stands. Starts the stopped daemons again, unarmed.
     */
    private static String checkRightAfterTheCrash(ReplicationSite pair, CrashPoint.Point point,
            CampaignWorkload guest, Path initial, Path dir) throws Exception {
        if (IN_INITIAL_SYNC.contains(point)) {
            // A replica in its initial sync is INCONSISTENT and has no earlier image: nothing to hold to a prefix.
            restart(pair, point);
            return "INCONSISTENT (initial sync: no consistent image yet)";
        }
        boolean targetDown = point.name().startsWith("TARGET_");
        if (targetDown || IN_RESYNC.contains(point)) {
            if (!targetDown) {
                pair.target().close();
                restart(pair, point); // the tap again, so that the guest is acknowledged; the replica stays as left
            }
            TargetDownCheck.Result down = TargetDownCheck.run(pair, guest, initial,
                    Files.createDirectories(dir.resolve("target-down")));
            assertThat(down.outcome()).as("the replica set the target left: %s", down.detail())
                    .isNotEqualTo(TargetDownCheck.Outcome.DIVERGED);
            if (targetDown) {
                restart(pair, point);
            } else {
                pair.startTarget();
            }
            return down.outcome() + (down.detail().isEmpty() ? "" : " (" + down.detail() + ")");
        }
        Path asLeft = copyAtBatchBoundary(pair, dir.resolve("replica-as-left.img"));
        restart(pair, point);
        // The write in flight at the crash may be on the replica already: wait until the guest has its ack.
        guest.awaitWrites(guest.log().size(), 1, Duration.ofSeconds(60));
        PrefixChecker.Result result = PrefixChecker.check(initial, asLeft, guest.log().snapshot());
        assertThat(result.consistent()).as("the replica while %s was down: %s", owner(point), result.describe())
                .isTrue();
        return "PREFIX (" + result.describe() + ")";
    }

    /**
     * Copies the replica once the target has applied everything it holds and holds nothing new across the copy
     * (the source or the tap is down, so the stream stops at a batch boundary).
     */
    private static Path copyAtBatchBoundary(ReplicationSite pair, Path copy) throws Exception {
        long end = System.nanoTime() + QUIESCE_DEADLINE.toNanos();
        while (true) {
            AdminStatus before = pair.targetStatus();
            if (before != null && before.appliedSeq() != null && before.appliedSeq() == before.lastSeq()) {
                Files.copy(pair.replica(), copy, StandardCopyOption.REPLACE_EXISTING);
                AdminStatus after = pair.targetStatus();
                if (before.equals(after)) {
                    return copy;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the target did not settle at a batch boundary within " + QUIESCE_DEADLINE
                        + ": " + before);
            }
            Thread.sleep(200); // polling the target's admin port with a deadline
        }
    }

    private static void awaitTapAttached(ReplicationSite pair) throws InterruptedException {
        long end = System.nanoTime() + QUIESCE_DEADLINE.toNanos();
        AdminStatus source;
        while ((source = pair.sourceStatus()) == null || !source.state().equals("STREAMING")) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the tap did not attach to the source gateway within " + QUIESCE_DEADLINE
                        + ": " + source);
            }
            Thread.sleep(100); // polling the source gateway's admin port with a deadline
        }
    }

    private static DaemonProcess owner(ReplicationSite pair, CrashPoint.Point point) {
        return switch (owner(point)) {
            case "tap" -> pair.tap();
            case "source-gateway" -> pair.source();
            default -> pair.target();
        };
    }

    private static String owner(CrashPoint.Point point) {
        String name = point.name();
        return name.startsWith("TAP_") ? "tap" : name.startsWith("SOURCE_") ? "source-gateway" : "target-gateway";
    }

    private static void restart(ReplicationSite pair, CrashPoint.Point point) throws IOException,
            InterruptedException {
        switch (owner(point)) {
            case "tap" -> pair.startTap();
            case "source-gateway" -> pair.startSource();
            default -> pair.startTarget();
        }
    }

    private ReplicationSite site() throws IOException, InterruptedException {
        if (site == null) {
            Path dir = Files.createDirectories(base.resolve("site-" + sites++));
            converged = Disks.sparse(dir.resolve("initial.img"), DISK); // --initial-sync skip: both blank
            ReplicationSite fresh = new ReplicationSite(dir, DISK, TAP_WINDOW);
            fresh.tap().extraArgs("--dirty-retention", DIRTY_RETENTION_SECONDS);
            site = fresh.start();
            assertThat(ConvergenceCheck.await(site, CONVERGE_DEADLINE)).as("a fresh pair is streaming").isTrue();
        }
        return site;
    }

    private void closeSite() throws InterruptedException {
        if (site != null) {
            site.close();
            site = null;
        }
    }

    @AfterAll
    void printReportAndStop() throws InterruptedException {
        try {
            System.out.printf("%ncrash points, seed %d (replay: -Ddatamover.crash.seed=%d)%n%-31s %-15s %4s %7s %9s"
                    + " %9s %9s  %s%n", seed, seed, "point", "owner", "hit", "crashed", "after", "writes", "converge",
                    "right after the crash (the replica as left, by the guest's acknowledged writes)");
            report.forEach(System.out::println);
        } finally {
            closeSite();
        }
    }

    /** One point's row of the report. */
    private static final class Outcome {
        final CrashPoint.Point point;
        final long hit;
        boolean crashed;
        int writesAtCrash;
        int writes;
        String prefix = "-";
        Duration crashAfter;
        Duration converge;
        String failure;

        Outcome(CrashPoint.Point point, long hit) {
            this.point = point;
            this.hit = hit;
        }

        String line() {
            return String.format("%-31s %-15s %4d %7s %9s %9s %9s  %s%s", point, owner(point), hit, crashed ? "yes"
                    : "NO", millis(crashAfter), writesAtCrash + "/" + writes, millis(converge), prefix,
                    failure == null ? "" : "  FAILED: " + failure);
        }

        private static String millis(Duration d) {
            return d == null ? "-" : d.toMillis() + " ms";
        }
    }
}
