package io.datamover.cli;

import io.datamover.cli.MigrationSites.Reply;
import io.datamover.cli.MigrationSites.Site;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A planned migration of one consistency group to the recovery site, in the four phases of a warm migration
 * (docs/operations.md, "Planned migration"): check, quiesce (the original tap holds new writes), drain to RPO 0
 * (the replicas applied the tap's last seq), hand-off (the original tap refuses writes for good, durably; then the
 * recovery site's target gateway promotes the replicas in a new generation). A failed check or a drain that does not
 * finish changes nothing (the writes are released); a crash or a failure inside the hand-off is finished by running
 * the command again, which finds the original tap moved and promotes. The original site never takes a write after
 * the replicas are promoted: the tap's refusal is durable before the promote is asked for.
 */
final class Migration {
    /** How the command ended; each is an exit status. */
    enum Outcome {
        MIGRATED(0), REFUSED(1), STOPPED(3), DRAIN_TIMED_OUT(4);

        final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    /**
     * @param maxLag the replicas may lag the source by at most this before the quiesce (its RPO, in seconds of writes)
     * @param maxPause the longest the tap holds writes: they go on by themselves after it
     * @param drainTimeout how long the drain waits for RPO 0 before it releases the writes
     * @param nowAt where the disks live after the hand-off, for the original tap's refusals
     */
    record Options(long cg, Duration maxLag, Duration maxPause, Duration drainTimeout, String nowAt) {}

    private static final Duration QUICK = AdminRequest.TIMEOUT;
    /** The promote applies what is spooled first (nothing, at RPO 0) and writes a few small files. */
    private static final Duration PROMOTE_TIMEOUT = Duration.ofMinutes(3);
    private static final long POLL_MILLIS = 100;

    private final MigrationSites sites;
    private final Options options;
    private final LongSupplier nanoTime;
    private final PrintWriter out;
    private final PrintWriter err;

    /**
     * What the hand-off commits once the tap refuses writes at the drained seq: a planned migration promotes the
     * recovery site's replicas; a failback through the running daemons hands over to its steps on the stopped
     * directories ({@code FailbackCommand}).
     */
    @FunctionalInterface
    interface Commit {
        /** @param heldAt when the writes were held ({@code nanoTime}), -1 on a rerun that found the tap moved */
        Outcome after(long seq, long heldAt) throws InterruptedException;
    }

    private final String command;
    private final Commit commit;
    /** A planned migration (not another operation's quiesce and drain): the reverse direction is its business. */
    private final boolean migrating;

    Migration(MigrationSites sites, Options options, LongSupplier nanoTime, PrintWriter out, PrintWriter err) {
        this("migrate", null, sites, options, nanoTime, out, err);
    }

    /**
     * The same phases for {@code datamover command}, committed by {@code commit} (null: the migration's promote).
     * {@link Site#TAP}, {@link Site#SOURCE} and {@link Site#TARGET} are the pair's tap, source and target gateways in
     * the direction replication runs now.
     */
    Migration(String command, Commit commit, MigrationSites sites, Options options, LongSupplier nanoTime,
            PrintWriter out, PrintWriter err) {
        this.command = command;
        this.migrating = commit == null;
        this.commit = commit != null ? commit : this::promote;
        this.sites = sites;
        this.options = options;
        this.nanoTime = nanoTime;
        this.out = out;
        this.err = err;
    }

    Outcome run() throws InterruptedException {
        String cg = "cg=" + options.cg();
        Reply tap;
        try {
            tap = sites.post(Site.TAP, "/migrate/state?" + cg, QUICK);
        } catch (IOException e) {
            return refused("phase 1/4 check: cannot reach " + Site.TAP.label + ": " + e.getMessage());
        }
        if (!tap.ok()) {
            return refused("phase 1/4 check: " + Site.TAP.label + " refused: " + tap.body().strip());
        }
        if ("MOVED".equals(tap.field("state"))) {
            long seq = Long.parseLong(tap.field("seq"));
            say("the tap moved the group at seq " + seq + " already: finishing the hand-off");
            return commit.after(seq, -1);
        }
        if (!"OPEN".equals(tap.field("state"))) {
            return refused("phase 1/4 check: the tap holds the writes already (another " + command + " running?): "
                    + tap.body().strip());
        }
        Optional<String> failed = check();
        if (failed.isPresent()) {
            return refused("phase 1/4 check: " + failed.get() + "; nothing changed");
        }
        say("phase 1/4 check: both sites answer with the operator's token, the same generation, replicas "
                + "UP_TO_DATE, lag within --max-lag" + (!migrating ? "" : checksReverseRoom()
                        ? "; room for the reverse direction" : "; room for the reverse direction not checked (no "
                                + "--reverse-source-admin and --reverse-target-admin)"));

        long heldAt = nanoTime.getAsLong();
        Reply held;
        try {
            held = sites.post(Site.TAP, "/migrate/hold?" + cg + "&max-pause-ms=" + options.maxPause().toMillis(),
                    options.maxPause().plus(QUICK));
        } catch (IOException e) {
            release();
            return stopped("phase 2/4 quiesce: the tap did not answer (" + e.getMessage() + "); released; nothing "
                    + "changed");
        }
        if (!held.ok()) {
            return refused("phase 2/4 quiesce: the tap refused: " + held.body().strip());
        }
        long seq = Long.parseLong(held.field("seq"));
        say("phase 2/4 quiesce: new writes held (for " + options.maxPause().toSeconds() + " s at most), the "
                + "running ones done: the last seq is " + seq);

        String drained = drain(seq);
        if (drained != null) {
            release();
            say("phase 3/4 drain: " + drained + ": the writes are released, back to phase 1; nothing changed");
            return Outcome.DRAIN_TIMED_OUT;
        }
        say("phase 3/4 drain: the replicas applied seq " + seq + ": RPO 0");

        Reply moved;
        try {
            moved = sites.post(Site.TAP, "/migrate/move?" + cg + "&seq=" + seq + "&to="
                    + java.net.URLEncoder.encode(options.nowAt(), java.nio.charset.StandardCharsets.UTF_8), QUICK);
        } catch (IOException e) {
            return stopped("phase 4/4 hand-off: the tap did not answer the move (" + e.getMessage() + "): run "
                    + "datamover " + command + " again once it answers (a restarted tap shows whether it moved)");
        }
        if (!moved.ok()) {
            release();
            return refused("phase 4/4 hand-off: the tap refused to move (" + moved.body().strip() + "): the writes "
                    + "go on where they were; nothing changed");
        }
        say("phase 4/4 hand-off: the tap refuses writes from now on (" + options.nowAt() + ")");
        return commit.after(seq, heldAt);
    }

    /** Phase 1's checks; the first that fails, or empty. */
    private Optional<String> check() throws InterruptedException {
        GroupStatusFields tap;
        GroupStatusFields source;
        GroupStatusFields target;
        try {
            tap = group(Site.TAP);
            source = group(Site.SOURCE);
            target = group(Site.TARGET);
            Reply token = sites.post(Site.TARGET, "/migrate/check?cg=" + options.cg(), QUICK);
            if (!token.ok()) {
                return Optional.of(Site.TARGET.label + " refused the operator's call: " + token.body().strip());
            }
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
        if (tap == null || source == null || target == null) {
            return Optional.of("consistency group " + options.cg() + " is not served by "
                    + (tap == null ? Site.TAP : source == null ? Site.SOURCE : Site.TARGET).label);
        }
        if (!"STREAMING".equals(tap.text("state"))) {
            return Optional.of("the tap is " + tap.text("state") + ", not STREAMING");
        }
        if (!"PRIMARY".equals(source.text("role"))) {
            return Optional.of("the source gateway's role is " + source.text("role") + ", not PRIMARY");
        }
        if (!"SECONDARY".equals(target.text("role")) || !"UP_TO_DATE".equals(target.text("state"))) {
            return Optional.of("the replicas are " + target.text("state") + " (role " + target.text("role")
                    + "), not UP_TO_DATE and SECONDARY");
        }
        if (target.text("operation") != null) {
            return Optional.of("the recovery site is busy: " + target.text("operation"));
        }
        if (source.text("generation") == null || !Objects.equals(source.text("generation"),
                target.text("generation"))) {
            return Optional.of("the sites are in different generations (source " + source.text("generation")
                    + ", replicas " + target.text("generation") + ")");
        }
        Double lag = source.number("lagSeconds");
        if (lag == null) {
            return Optional.of("the lag is unknown at the source gateway (not replicating?)");
        }
        if (lag > options.maxLag().toMillis() / 1000.0) {
            return Optional.of(String.format(Locale.ROOT, "the replicas lag by %.1f s, more than --max-lag %d s", lag,
                    options.maxLag().toSeconds()));
        }
        if (lag > options.maxPause().toMillis() / 1000.0) {
            return Optional.of(String.format(Locale.ROOT, "the drain would hold the writes about %.1f s (the lag), "
                    + "more than --max-pause %d s", lag, options.maxPause().toSeconds()));
        }
        return reverseRoom();
    }

    private boolean checksReverseRoom() {
        return sites.has(Site.REVERSE_SOURCE) && sites.has(Site.REVERSE_TARGET);
    }

    /**
     * Phase 1's check of room for the reverse direction at each of its gateways the operator named: reachable, the
     * operator's token accepted, no group N there yet, room for its journal (source) or spool (target).
     */
    private Optional<String> reverseRoom() throws InterruptedException {
        for (Site site : List.of(Site.REVERSE_SOURCE, Site.REVERSE_TARGET)) {
            if (!sites.has(site)) {
                continue;
            }
            Reply room;
            try {
                room = sites.post(site, "/reverse/room?cg=" + options.cg(), QUICK);
            } catch (IOException e) {
                return Optional.of("room for the reverse direction: cannot reach " + site.label + ": "
                        + e.getMessage());
            }
            if (!room.ok()) {
                return Optional.of("room for the reverse direction: " + site.label + " answered " + room.status()
                        + ": " + room.body().strip());
            }
        }
        return Optional.empty();
    }

    private GroupStatusFields group(Site site) throws IOException, InterruptedException {
        try {
            return GroupStatusFields.of(sites.status(site), options.cg()).orElse(null);
        } catch (IOException e) {
            throw new IOException("cannot reach " + site.label + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the replicas applied {@code seq}; null then, else why not within the drain's timeout. */
    private String drain(long seq) throws InterruptedException {
        long deadline = nanoTime.getAsLong() + options.drainTimeout().toNanos();
        long nextReport = nanoTime.getAsLong();
        long applied = -1;
        while (true) {
            try {
                GroupStatusFields target = group(Site.TARGET);
                applied = target == null ? -1 : target.integer("appliedSeq");
            } catch (IOException e) {
                applied = -1; // the target is down: the drain waits for it, within the timeout
            }
            if (applied == seq) {
                return null;
            }
            if (applied > seq) {
                return "the replicas applied seq " + applied + ", past the tap's last seq " + seq;
            }
            long now = nanoTime.getAsLong();
            if (now - deadline >= 0) {
                return "not at RPO 0 after --drain-timeout " + options.drainTimeout().toSeconds() + " s (applied seq "
                        + (applied < 0 ? "unknown" : applied) + " of " + seq + ")";
            }
            if (now - nextReport >= 0) {
                say("phase 3/4 drain: applied seq " + (applied < 0 ? "unknown" : applied) + " of " + seq);
                nextReport = now + Duration.ofSeconds(1).toNanos();
            }
            Thread.sleep(POLL_MILLIS); // polling another site's status, with the drain's deadline
        }
    }

    /** The hand-off's commit: the recovery site promotes at {@code seq}; {@code heldAt} -1 on a rerun. */
    private Outcome promote(long seq, long heldAt) throws InterruptedException {
        Reply promoted;
        try {
            promoted = sites.post(Site.TARGET, "/failover?cg=" + options.cg() + "&planned-seq=" + seq,
                    PROMOTE_TIMEOUT);
        } catch (IOException e) {
            return stopped(handOffUnderWay("the target gateway did not answer (" + e.getMessage() + ")"));
        }
        if (promoted.status() >= 500) {
            return stopped(handOffUnderWay("the promote stopped: " + promoted.body().strip()));
        }
        if (!promoted.ok()) {
            try {
                Reply back = sites.post(Site.TAP, "/migrate/reinstate?cg=" + options.cg(), QUICK);
                if (!back.ok()) {
                    return stopped("phase 4/4 hand-off: refused at the recovery site (" + promoted.body().strip()
                            + ") and the tap did not take writes again: " + back.body().strip());
                }
            } catch (IOException e) {
                return stopped("phase 4/4 hand-off: refused at the recovery site (" + promoted.body().strip()
                        + ") and the tap did not answer: run datamover migrate again");
            }
            return refused("phase 4/4 hand-off: refused at the recovery site: " + promoted.body().strip()
                    + "; the original tap takes writes again, nothing changed");
        }
        out.print(promoted.body());
        say("phase 4/4 hand-off: done: the recovery site is primary in a new generation at seq " + seq);
        if (heldAt >= 0) {
            say(String.format(Locale.ROOT, "guest-visible pause: %.2f s from the first write held to the promoted "
                    + "disks (a guest at the recovery site writes once its tap serves them)",
                    (nanoTime.getAsLong() - heldAt) / 1e9));
        }
        say("next: serve the disks at the recovery site with the tap printed above; for replication back to the "
                + "original site, stop its tap and source gateway, run datamover reverse there and start its target "
                + "gateway on the replica set, then datamover reverse --target-admin --reverse-source-admin at the "
                + "recovery site (its daemons keep running; docs/operations.md, \"Reverse replication\")");
        return Outcome.MIGRATED;
    }

    private String handOffUnderWay(String why) {
        return "phase 4/4 hand-off: " + why + ". The original tap refuses writes and the replicas are not promoted "
                + "yet: run datamover migrate again to finish the hand-off";
    }

    private void release() throws InterruptedException {
        try {
            Reply released = sites.post(Site.TAP, "/migrate/release?cg=" + options.cg(), QUICK);
            if (!released.ok()) {
                err.println("datamover " + command + ": the tap did not release the writes: " + released.body().strip()
                        + " (they go on by themselves after --max-pause)");
            }
        } catch (IOException e) {
            err.println("datamover " + command + ": the tap did not answer the release: " + e.getMessage()
                    + " (the writes go on by themselves after --max-pause)");
        }
        err.flush();
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    private Outcome refused(String why) {
        err.println("datamover " + command + ": refused: " + why);
        err.flush();
        return Outcome.REFUSED;
    }

    private Outcome stopped(String why) {
        err.println("datamover " + command + ": stopped: " + why);
        err.flush();
        return Outcome.STOPPED;
    }
}
