package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.link.LinkSpec;
import io.datamover.it.ensemble.ZooKeeperNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fault-injection campaign over a whole pair of real processes: while a guest writes through the tap,
 * kill -9 (and restart) the target gateway, the source gateway or the tap, take the link between the gateways
 * down (disconnect or stall), damage bytes on it above TCP, fill the target's replica file system (ENOSPC),
 * stall the link until the source journal is full, fill the source journal's file system, or let the pair idle
 * across journal cycles, at seeded moments for seeded lengths. One run in three (by its seed) is coordinated: two
 * source gateways of the site on a real three-node ZooKeeper ensemble ({@link CampaignEnsemble}), the tap given both,
 * and two more faults: kill -9 of the leading gateway (the other takes over; what the target holds is checked to be a
 * prefix right after; the killed one restarted) and kill -9 of a ZooKeeper server (restarted later). While the target is
 * down, what it left must be a prefix of the guest's acknowledged writes ({@link TargetDownCheck}); once the faults
 * stop the pair must converge, the replica equal the source and hold every acknowledged write. Divergences must
 * be 0. The replicas and the source gateway's data live on tmpfs (for ENOSPC): without root to mount them the
 * campaign is aborted, not passed.
 *
 * <p>{@code bin/bench campaign [--seed S] [--runs N] [--faults F]} runs a longer campaign.
 *
 * <p>Run {@code i} uses seed {@code seed + i}: {@code -Ddatamover.campaign.seed=S -Ddatamover.campaign.runs=1}
 * replays one run's schedule (the moments are seeded; the processes' own timing is not). CI runs a short
 * campaign; see docs/fault-campaign.md.
 */
class FaultCampaignTest {
    private static final long DEFAULT_SEED = 20261122L;
    private static final long DISK = 64L << 20;
    private static final long GUEST_BYTES_PER_SECOND = 2L << 20;
    /** Small, so that a source gateway down for a second or two sends the tap to bitmap mode, then a resync. */
    private static final String TAP_WINDOW = "2M";
    private static final Duration CONVERGE_DEADLINE = Duration.ofSeconds(120);
    /**
     * The target's replica directory is a tmpfs of this size, which the ENOSPC fault fills: room for the replica
     * (64 MiB) and a resync's undo log (at most 64 MiB by default) besides.
     */
    private static final int REPLICA_TMPFS_MIB = 160;
    /**
     * The source gateway's data directory is a tmpfs of this size, which JOURNAL_DISK_FULL fills: room for the
     * journal (16 MiB), the blocks it allocates ahead (16 MiB) and what released entries leave until their cycle
     * file goes.
     */
    private static final int SOURCE_TMPFS_MIB = 128;
    /**
     * Corruption: about one byte in this many relayed, at most a few bytes per fault; batches flow at the guest's
     * 2 MiB/s, acks (about 30 bytes a frame) far slower.
     */
    private static final long CORRUPT_BATCH_EVERY_BYTES = 64 << 10;
    private static final long CORRUPT_ACK_EVERY_BYTES = 256;
    private static final Duration JOURNAL_FULL_DEADLINE = Duration.ofSeconds(60);
    /** How long the CORRUPT fault stays armed, at most, waiting for traffic to damage. */
    private static final Duration CORRUPT_HOLD_DEADLINE = Duration.ofSeconds(15);
    /** How long the ENOSPC fault waits, at most, for the target to hit the full disk. */
    private static final Duration ENOSPC_HOLD_DEADLINE = Duration.ofSeconds(15);
    /** The source journal's files cover a second each, so an IDLE of a few seconds passes several cycles. */
    private static final List<String> SOURCE_OPTIONS = Stream.concat(ReplicationSite.SMALL_JOURNAL.stream(),
            Stream.of("--journal-roll-cycle", "SECONDLY")).toList();
    /** An IDLE lasts this (three cycles) plus the fault's length. */
    private static final Duration IDLE_CYCLES = Duration.ofSeconds(3);

    @TempDir
    Path base;

    @Test
    void everyRunStaysAPrefixUnderFaultsAndConverges() throws Exception {
        long seed = Long.getLong("datamover.campaign.seed", DEFAULT_SEED);
        int runs = Integer.getInteger("datamover.campaign.runs", 3);
        Integer faults = Integer.getInteger("datamover.campaign.faults"); // default: one of each kind of the run
        System.out.printf("fault campaign: seed %d, %d runs of %s faults (-Ddatamover.campaign.seed=%d)%n", seed,
                runs, faults == null ? "one of each kind of" : faults, seed);
        CampaignReport report = new CampaignReport(seed);
        for (int i = 0; i < runs; i++) {
            boolean coordinated = coordinated(seed + i);
            CampaignReport.Run run = report.begin(i, seed + i, coordinated);
            int kinds = CampaignReport.Fault.of(coordinated).size();
            run(run, faults == null ? kinds : faults, Files.createDirectories(base.resolve("run-" + i)));
            System.out.printf("run %d (seed %d): %d writes, faults %s, checks %s, evidence %s, converged in %s,"
                    + " divergences %s%n", i, run.seed, run.writes, run.faults, run.targetDownChecks, run.evidence,
                    run.converge == null ? "NO" : run.converge.toMillis() + " ms", run.divergences);
        }
        String table = report.table();
        System.out.println(table);
        assertThat(report.divergences()).as(table).isZero();
    }

    /**
     * The replica is consistent only once the (skipped) initial sync's SYNC_END is applied; a fault before that would
     * leave nothing the check while the target is down could hold it to. On a loaded machine the pair's start can
     * outlast the guest's first writes.
     */
    private static void awaitFirstConsistentImage(ReplicationSite site) {
        Awaitility.await("the replica's first consistent image (the initial sync's SYNC_END applied)")
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    AdminStatus target = site.targetStatus();
                    return target != null && "UP_TO_DATE".equals(target.state());
                });
    }

    /** Whether the run of {@code seed} is coordinated: one in three, by the seed, so a replay of one run is too. */
    private static boolean coordinated(long seed) {
        return Math.floorMod(seed, 3) == 2;
    }

    private void run(CampaignReport.Run run, int faults, Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(run.seed);
        Path initial = Disks.sparse(dir.resolve("initial.img"), DISK);
        try (CampaignEnsemble zookeeper = run.coordinated ? CampaignEnsemble.start(dir.resolve("ensemble")) : null;
                Tmpfs replicas = Tmpfs.mount(dir.resolve("replicas"), REPLICA_TMPFS_MIB);
                Tmpfs sourceData = Tmpfs.mount(dir.resolve("source-data"), SOURCE_TMPFS_MIB);
                ReplicationSite site = newSite(dir, zookeeper).start();
                CampaignWorkload guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK,
                        GUEST_BYTES_PER_SECOND, random.nextLong()).start()) {
            guest.awaitWrites(0, 20, Duration.ofSeconds(60));
            awaitFirstConsistentImage(site);
            List<CampaignReport.Fault> schedule = schedule(random, CampaignReport.Fault.of(run.coordinated), faults);
            for (int f = 0; f < faults; f++) {
                pause(Duration.ofMillis(300 + random.nextInt(2200)));
                CampaignReport.Fault fault = schedule.get(f);
                run.evidence(site);
                Duration down = Duration.ofMillis(200 + random.nextInt(2800));
                inject(site, zookeeper, replicas, sourceData, guest, run, fault, down, random, initial,
                        dir.resolve("check-" + f));
                run.fault(fault);
                if (zookeeper != null) {
                    CampaignEnsemble.firstGatewayLeads(site);
                }
                guest.checkHealthy();
            }
            long faultsStopped = System.nanoTime();
            guest.close(); // the log is final from here
            guest.checkHealthy();
            run.evidence(site);
            run.writes = guest.log().size();
            run.reconnects = guest.reconnects();
            if (!ConvergenceCheck.await(site, CONVERGE_DEADLINE)) {
                run.divergences.add("no convergence within " + CONVERGE_DEADLINE + ": tap " + site.tapStatus()
                        + ", target " + site.targetStatus() + "\n" + site.logTails());
                return;
            }
            run.converge = Duration.ofNanos(System.nanoTime() - faultsStopped);
            run.divergences.addAll(ConvergenceCheck.divergences(site, initial, guest.log().snapshot()));
        }
    }

    /**
     * The run's site: one source gateway alone; or, with {@code zookeeper}, two of one site on its ensemble, the tap
     * given both, the first leading.
     */
    private static ReplicationSite newSite(Path dir, CampaignEnsemble zookeeper) throws IOException,
            InterruptedException {
        if (zookeeper == null) {
            return new ReplicationSite(dir, DISK, TAP_WINDOW, SOURCE_OPTIONS);
        }
        List<String> options = Stream.concat(SOURCE_OPTIONS.stream(), zookeeper.gatewayOptions().stream()).toList();
        return new ReplicationSite(dir, DISK, TAP_WINDOW, options).withStandbySource(options);
    }

    /** Every kind once in a seeded order (while there are enough faults), then kinds at random. */
    private static List<CampaignReport.Fault> schedule(SplittableRandom random, List<CampaignReport.Fault> kinds,
            int faults) {
        List<CampaignReport.Fault> schedule = new ArrayList<>(kinds);
        for (int i = schedule.size() - 1; i > 0; i--) { // Fisher-Yates, from the run's seed
            Collections.swap(schedule, i, random.nextInt(i + 1));
        }
        while (schedule.size() < faults) {
            schedule.add(kinds.get(random.nextInt(kinds.size())));
        }
        return schedule;
    }

    private static void inject(ReplicationSite site, CampaignEnsemble zookeeper, Tmpfs replicas, Tmpfs sourceData,
            CampaignWorkload guest, CampaignReport.Run run, CampaignReport.Fault fault, Duration down,
            SplittableRandom random, Path initial, Path scratch) throws Exception {
        long start = System.nanoTime();
        switch (fault) {
            case KILL_TARGET -> {
                site.killTarget();
                run.checked(TargetDownCheck.run(site, guest, initial, Files.createDirectories(scratch)));
                pauseUntil(start, down);
                site.startTarget();
            }
            case KILL_SOURCE -> {
                site.killSource();
                pauseUntil(start, down);
                site.startSource();
            }
            case KILL_TAP -> {
                site.killTap();
                pauseUntil(start, down);
                site.startTap();
            }
            case LINK_DISCONNECT -> {
                site.linkOutage(down, LinkSpec.Outage.Kind.DISCONNECT);
                pauseUntil(start, down);
            }
            case LINK_STALL -> {
                site.linkOutage(down, LinkSpec.Outage.Kind.STALL);
                pauseUntil(start, down);
            }
            case CORRUPT -> {
                LinkSpec.Direction direction = LinkSpec.Direction.values()[random.nextInt(3)];
                int flips = 1 + random.nextInt(3);
                long seed = random.nextLong();
                long corruptedBefore = corrupted(site);
                // Armed until its flips are spent (or the deadline): a window with no traffic on the link (the tap
                // in bitmap mode after an earlier fault, say) would otherwise inject nothing.
                if (direction.includesUpstream()) {
                    site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, CORRUPT_HOLD_DEADLINE,
                            CORRUPT_BATCH_EVERY_BYTES, flips, seed));
                }
                if (direction.includesDownstream()) {
                    site.corruptLink(new LinkSpec.Corruption(LinkSpec.Direction.DOWNSTREAM, CORRUPT_HOLD_DEADLINE,
                            CORRUPT_ACK_EVERY_BYTES, flips, seed));
                }
                long end = System.nanoTime() + CORRUPT_HOLD_DEADLINE.toNanos();
                while (corrupted(site) == corruptedBefore && System.nanoTime() < end) {
                    Thread.sleep(50); // polling the link's counter with a deadline
                }
                pauseUntil(start, down);
            }
            case ENOSPC -> fillUntil(replicas, () -> applyFailures(site), start, down);
            case JOURNAL_DISK_FULL -> {
                // The link stalled meanwhile: shipping would release, and so free, what the guest appends.
                site.linkOutage(ENOSPC_HOLD_DEADLINE, LinkSpec.Outage.Kind.STALL);
                try {
                    fillUntil(sourceData, () -> AdminMetrics.sum(site.sourceAdmin(),
                            "datamover_journal_write_failures_total"), start, down);
                } finally {
                    site.link().endOutage();
                }
            }
            case JOURNAL_FULL -> site.stallLinkUntilJournalFull(JOURNAL_FULL_DEADLINE);
            case IDLE -> {
                Duration idle = IDLE_CYCLES.plus(down);
                guest.idle(idle);
                pauseUntil(start, idle);
            }
            case KILL_LEADER -> {
                site.killSource(); // the first gateway leads between faults (CampaignEnsemble.firstGatewayLeads)
                CoordinationAwaits.standbyLeads(site); // once the ensemble expired the dead leader's session
                run.checked(TargetDownCheck.runWhilePaused(site, guest, initial, Files.createDirectories(scratch)));
                pauseUntil(start, down);
                site.startSource(); // a standby now; firstGatewayLeads hands the group back to it
            }
            case KILL_ZOOKEEPER -> {
                ZooKeeperNode node = zookeeper.killNode(random);
                pauseUntil(start, down);
                zookeeper.restart(node);
            }
        }
    }

    /**
     * Fills {@code disk} until {@code failures} grows (the daemon hit the full disk; the guest keeps it writing), at
     * most {@link #ENOSPC_HOLD_DEADLINE}, and for at least the fault's length, then frees it.
     */
    private static void fillUntil(Tmpfs disk, FaultAwaits.Reading failures, long start, Duration down)
            throws Exception {
        double before = failures.read();
        disk.fill();
        long end = System.nanoTime() + ENOSPC_HOLD_DEADLINE.toNanos();
        while (failures.read() <= before && System.nanoTime() < end) {
            Thread.sleep(50); // polling a metric with a deadline
        }
        pauseUntil(start, down);
        disk.free();
    }

    private static long corrupted(ReplicationSite site) {
        return site.link().upstreamBytesCorrupted() + site.link().downstreamBytesCorrupted();
    }

    private static double applyFailures(ReplicationSite site) throws InterruptedException {
        return AdminMetrics.sum(site.targetAdmin(), "datamover_target_apply_failures_total");
    }

    /** The guest keeps writing meanwhile: this only spaces the faults out. */
    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private static void pauseUntil(long startNanos, Duration down) throws InterruptedException {
        long left = startNanos + down.toNanos() - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
    }
}
