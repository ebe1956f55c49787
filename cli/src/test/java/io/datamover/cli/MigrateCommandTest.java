package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.cli.MigrationSites.Reply;
import io.datamover.cli.MigrationSites.Site;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code datamover migrate}'s decisions on scripted admin answers (the daemons are the collaborator here; the whole
 * migration on real processes is the integration tests' MigrationTest): which calls each outcome makes, so a
 * refusal changes nothing and a timeout releases the writes.
 */
class MigrateCommandTest {
    private static final String GENERATION = "00000000000000aa";

    private final ScriptedSites sites = new ScriptedSites();
    private final AtomicLong nanos = new AtomicLong();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aFailedCheckIsRefusedNamingItAndNothingIsAsked() throws Exception {
        sites.status.put(Site.TARGET, group("SECONDARY", "UP_TO_DATE", "00000000000000bb", 10, 0.5));
        assertThat(migration().run()).isEqualTo(Migration.Outcome.REFUSED);
        assertThat(err.toString()).contains("phase 1/4 check: the sites are in different generations");
        assertThat(sites.posts).containsExactly("TAP /migrate/state?cg=1", "TARGET /migrate/check?cg=1");
    }

    @Test
    void noRoomForTheReverseDirectionIsRefusedNamingTheGatewayAndNothingIsHeld() throws Exception {
        sites.rooms.put(Site.REVERSE_SOURCE, new Reply(409, "no room for consistency group 1 as its source: "
                + "/var/lib/datamover/reverse-source has 4096 bytes free, a group's journal (--journal-max) may take "
                + "1073741824\n"));
        assertThat(migration().run()).isEqualTo(Migration.Outcome.REFUSED);
        assertThat(err.toString()).contains("phase 1/4 check: room for the reverse direction: the recovery site's "
                + "source gateway (--reverse-source-admin) answered 409: no room for consistency group 1 as its "
                + "source").contains("nothing changed");
        assertThat(sites.posts).containsExactly("TAP /migrate/state?cg=1", "TARGET /migrate/check?cg=1",
                "REVERSE_SOURCE /reverse/room?cg=1");
    }

    @Test
    void theOriginalSitesTargetGatewayRefusingTheOperatorsTokenIsRefusedBeforeAnyHold() throws Exception {
        sites.rooms.put(Site.REVERSE_TARGET, new Reply(403, "the admin token sent is not this daemon's\n"));
        assertThat(migration().run()).isEqualTo(Migration.Outcome.REFUSED);
        assertThat(err.toString()).contains("room for the reverse direction: the original site's target gateway "
                + "(--reverse-target-admin) answered 403: the admin token sent is not this daemon's");
        assertThat(sites.posts).noneMatch(post -> post.contains("hold"));
    }

    @Test
    void withTheReverseGatewaysNamedAndRoomyTheMigrationGoesOnAndSaysSo() throws Exception {
        assertThat(migration().run()).isEqualTo(Migration.Outcome.MIGRATED);
        assertThat(sites.posts).containsSubsequence("REVERSE_SOURCE /reverse/room?cg=1",
                "REVERSE_TARGET /reverse/room?cg=1", "TAP /migrate/hold?cg=1&max-pause-ms=30000");
        assertThat(out.toString()).contains("lag within --max-lag; room for the reverse direction");
    }

    @Test
    void withoutTheReverseGatewaysNothingIsAskedOfThemAndTheOutputSaysItWasNotChecked() throws Exception {
        sites.named.removeAll(List.of(Site.REVERSE_SOURCE, Site.REVERSE_TARGET));
        assertThat(migration().run()).isEqualTo(Migration.Outcome.MIGRATED);
        assertThat(sites.posts).noneMatch(post -> post.startsWith("REVERSE_"));
        assertThat(out.toString()).contains("room for the reverse direction not checked");
    }

    @Test
    void theFailbacksQuiesceAndDrainAreTheseSamePhasesCommittedWithoutAPromote() throws Exception {
        AtomicLong committedAt = new AtomicLong(-1);
        Migration failback = new Migration("failback", (seq, heldAt) -> {
            committedAt.set(seq);
            return Migration.Outcome.MIGRATED;
        }, sites, new Migration.Options(1, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(20),
                "the original site"), () -> nanos.addAndGet(Duration.ofSeconds(1).toNanos()), writer(out),
                writer(err));
        sites.named.removeAll(List.of(Site.REVERSE_SOURCE, Site.REVERSE_TARGET));

        assertThat(failback.run()).isEqualTo(Migration.Outcome.MIGRATED);
        assertThat(committedAt).hasValue(10);
        assertThat(sites.posts).containsExactly("TAP /migrate/state?cg=1", "TARGET /migrate/check?cg=1",
                "TAP /migrate/hold?cg=1&max-pause-ms=30000", "TAP /migrate/move?cg=1&seq=10&to=the+original+site");
        assertThat(out.toString()).doesNotContain("room for the reverse direction");

        sites.status.put(Site.TARGET, group("SECONDARY", "UP_TO_DATE", GENERATION, 9, 0.5));
        sites.tapState = "OPEN";
        assertThat(failback.run()).isEqualTo(Migration.Outcome.DRAIN_TIMED_OUT);
        assertThat(sites.posts).endsWith("TAP /migrate/release?cg=1");
    }

    @Test
    void aLagPastTheMaxPauseIsRefusedUpFront() throws Exception {
        sites.status.put(Site.SOURCE, group("PRIMARY", "STREAMING", GENERATION, 10, 8.0));
        Migration migration = new Migration(sites, new Migration.Options(1, Duration.ofSeconds(60),
                Duration.ofSeconds(5), Duration.ofSeconds(2), "there"), nanos::get, writer(out), writer(err));
        assertThat(migration.run()).isEqualTo(Migration.Outcome.REFUSED);
        assertThat(err.toString()).contains("more than --max-pause 5 s");
        assertThat(sites.posts).doesNotContain("TAP /migrate/hold?cg=1&max-pause-ms=5000");
    }

    @Test
    void aDrainThatDoesNotReachTheTapsSeqReleasesTheWrites() throws Exception {
        sites.status.put(Site.TARGET, group("SECONDARY", "UP_TO_DATE", GENERATION, 9, 0.5)); // applied 9 of 10
        assertThat(migration().run()).isEqualTo(Migration.Outcome.DRAIN_TIMED_OUT);
        assertThat(out.toString()).contains("not at RPO 0 after --drain-timeout 20 s (applied seq 9 of 10)");
        assertThat(sites.posts).containsSequence("TAP /migrate/hold?cg=1&max-pause-ms=30000",
                "TAP /migrate/release?cg=1").noneMatch(post -> post.contains("move") || post.contains("failover"));
    }

    @Test
    void theHandOffMovesTheTapBeforeThePromoteAndReportsThePause() throws Exception {
        assertThat(migration().run()).isEqualTo(Migration.Outcome.MIGRATED);
        assertThat(sites.posts).containsSequence("TAP /migrate/hold?cg=1&max-pause-ms=30000",
                "TAP /migrate/move?cg=1&seq=10&to=there", "TARGET /failover?cg=1&planned-seq=10");
        assertThat(out.toString()).contains("PROMOTED at seq 10").contains("guest-visible pause");
    }

    @Test
    void aPromoteRefusedAtTheRecoverySiteTakesTheWritesBackAtTheOriginalOne() throws Exception {
        sites.failover = new Reply(409, "refused: not at RPO 0\n");
        assertThat(migration().run()).isEqualTo(Migration.Outcome.REFUSED);
        assertThat(sites.posts).endsWith("TARGET /failover?cg=1&planned-seq=10", "TAP /migrate/reinstate?cg=1");
        assertThat(err.toString()).contains("the original tap takes writes again, nothing changed");
    }

    @Test
    void aRerunAfterTheTapMovedOnlyFinishesThePromote() throws Exception {
        sites.tapState = "MOVED";
        sites.failover = new Reply(500, "the failover stopped\n");
        assertThat(migration().run()).isEqualTo(Migration.Outcome.STOPPED);
        assertThat(err.toString()).contains("run datamover migrate again to finish the hand-off");
        sites.failover = new Reply(200, "consistency group 1 failed over: disks vm PROMOTED at seq 10\n");
        assertThat(migration().run()).isEqualTo(Migration.Outcome.MIGRATED);
        assertThat(sites.posts).containsOnly("TAP /migrate/state?cg=1", "TARGET /failover?cg=1&planned-seq=10");
    }

    @Test
    void theDrainMustEndWhileTheWritesAreStillHeld() {
        CliRun cli = new CliRun();
        assertThat(cli.run("migrate", "--cg", "1", "--max-pause", "10", "--drain-timeout", "10")).isEqualTo(2);
        assertThat(cli.run("migrate", "--cg", "1", "--max-pause", "0")).isEqualTo(2);
    }

    private Migration migration() {
        return new Migration(sites, new Migration.Options(1, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(20), "there"), () -> nanos.addAndGet(Duration.ofSeconds(1).toNanos()),
                writer(out), writer(err));
    }

    private static PrintWriter writer(StringWriter to) {
        return new PrintWriter(to, true);
    }

    /** One group's status JSON as StatusJson writes it (the fields migrate reads). */
    private static String group(String role, String state, String generation, long appliedSeq, double lag) {
        return "{\"daemon\":\"x\",\"groups\":[{\"cg\":\"1\",\"name\":null,\"state\":\"" + state + "\",\"lastSeq\":10,"
                + "\"appliedSeq\":" + appliedSeq + ",\"lagSeconds\":" + lag + ",\"role\":\"" + role + "\","
                + "\"generation\":\"" + generation + "\",\"operation\":null,\"disks\":[]}]}";
    }

    /** The three daemons, answering as a healthy pair at seq 10 unless a test changes an answer. */
    private static final class ScriptedSites implements MigrationSites {
        final Map<Site, String> status = new EnumMap<>(Map.of(
                Site.TAP, group(null, "STREAMING", null, 0, 0),
                Site.SOURCE, group("PRIMARY", "STREAMING", GENERATION, 10, 0.5),
                Site.TARGET, group("SECONDARY", "UP_TO_DATE", GENERATION, 10, 0)));
        final List<String> posts = new ArrayList<>();
        final Set<Site> named = EnumSet.allOf(Site.class);
        final Map<Site, Reply> rooms = new EnumMap<>(Site.class);
        String tapState = "OPEN";
        Reply failover = new Reply(200, "consistency group 1 failed over: disks vm PROMOTED at seq 10\n");

        @Override
        public String status(Site site) {
            return status.get(site);
        }

        @Override
        public boolean has(Site site) {
            return named.contains(site);
        }

        @Override
        public Reply post(Site site, String pathAndQuery, Duration timeout) {
            posts.add(site + " " + pathAndQuery);
            if (pathAndQuery.startsWith("/reverse/room")) {
                return rooms.getOrDefault(site, new Reply(200, "room for consistency group 1\n"));
            }
            if (pathAndQuery.startsWith("/failover")) {
                return failover;
            }
            if (pathAndQuery.startsWith("/migrate/move")) {
                tapState = "MOVED";
            }
            return new Reply(200, "state=" + tapState + "\nseq=10\nheld-ms=5\n");
        }
    }
}
