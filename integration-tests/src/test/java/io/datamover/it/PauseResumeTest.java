package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datamover pause|resume --cg N} on a running pair of {@code bin/datamover} processes: a call without the
 * tap's admin token is refused and changes nothing; while paused, qemu-io's writes reach the source disk but no record
 * leaves the tap and the target applies nothing, and the source gateway shows the group PAUSED (the tap's heartbeats
 * say so), not STREAMING; the pause survives a restart of the tap; resume resyncs what was written meanwhile and the
 * replica converges to the source. Both calls are idempotent.
 */
class PauseResumeTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String HANDED_OFF = "datamover_tap_records_handed_off_total";
    private static final String NOT_STREAMED = "datamover_tap_records_not_streamed_total";
    private static final List<String> CG = List.of("--cg", Integer.toString(ReplicationSite.CG));

    @TempDir
    Path base;

    @Test
    void whatIsWrittenWhilePausedStaysAtTheSourceUntilTheOperatorResumes() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").start()) {
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x11 0 1M");

            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + site.tapAdmin() + "/pause?cg=1")).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
            assertThat(refused.body()).contains("needs the operator's admin token");
            assertThat(site.tapStatus().state()).as("nothing changed").isEqualTo("STREAMING");

            pause(site);
            pause(site); // idempotent
            assertThat(site.tapStatus().state()).isEqualTo("PAUSED");
            assertThat(AdminMetrics.sum(site.tapAdmin(), "datamover_tap_group_state", "state=\"PAUSED\""))
                    .isEqualTo(1);
            awaitSourceState(site, "PAUSED");
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_source_group_state", "state=\"PAUSED\""))
                    .isEqualTo(1);
            long applied = site.targetStatus().appliedSeq();
            double handedOff = AdminMetrics.sum(site.tapAdmin(), HANDED_OFF);
            double notStreamed = AdminMetrics.sum(site.tapAdmin(), NOT_STREAMED);

            write(site, "write -P 0x22 2M 1M", "write -P 0x33 40M 64k");
            FaultAwaits.atLeast(DEADLINE, "both writes kept as dirty regions, not streamed",
                    () -> AdminMetrics.sum(site.tapAdmin(), NOT_STREAMED), notStreamed + 2);
            assertThat(AdminMetrics.sum(site.tapAdmin(), HANDED_OFF)).as("no record left the tap").isEqualTo(handedOff);
            assertThat(site.targetStatus().appliedSeq()).as("nothing applied while paused").isEqualTo(applied);
            assertThat(Disks.sha256(site.replica())).isNotEqualTo(Disks.sha256(site.sourceDisk()));

            // The pause is stored in the tap's state directory: a restarted tap stays paused.
            site.tap().close();
            site.startTap();
            FaultAwaits.until(DEADLINE, "the restarted tap PAUSED", () -> {
                AdminStatus tap = site.tapStatus();
                return tap != null && tap.state().equals("PAUSED");
            });
            awaitSourceState(site, "PAUSED"); // told right after the new connection's handshake
            write(site, "write -P 0x44 8M 256k");
            assertThat(site.targetStatus().appliedSeq()).as("nothing applied while paused").isEqualTo(applied);

            resume(site);
            resume(site); // idempotent
            assertThat(ConvergenceCheck.await(site, DEADLINE)).as("converged: tap %s, target %s\n%s",
                    site.tapStatus(), site.targetStatus(), site.logTails()).isTrue();
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
            awaitSourceState(site, "STREAMING");
            assertThat(site.source().log()).contains("replication PAUSED by its operator")
                    .contains("replication resumed by its operator");
            assertThat(site.tap().log()).contains("accepted: the holder of the admin token").contains("refused");
        }
    }

    private static void pause(ReplicationSite site) throws Exception {
        ReplicationSite.CommandRun run = site.tapAdminCommand("pause", CG);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("PAUSED");
    }

    private static void resume(ReplicationSite site) throws Exception {
        ReplicationSite.CommandRun run = site.tapAdminCommand("resume", CG);
        assertThat(run.exitCode()).as(run.output()).isZero();
    }

    private static void awaitSourceState(ReplicationSite site, String state) throws Exception {
        FaultAwaits.until(DEADLINE, "the source gateway showing the group " + state, () -> {
            AdminStatus source = site.sourceStatus();
            return source != null && source.state().equals(state);
        });
    }

    private static void write(ReplicationSite site, String... commands) throws Exception {
        Tools.Result written = Tools.run(DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, commands));
        assertThat(written.exitCode()).as(written.output()).isZero();
    }
}
