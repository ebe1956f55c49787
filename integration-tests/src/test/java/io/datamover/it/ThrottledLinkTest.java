package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datamover throttle} on a running pair of {@code bin/datamover} processes: the operator (holding the source
 * gateway's admin token) limits the link to 512 KiB/s under a guest writing 2 MiB/s of incompressible data, and the
 * wire bytes the source gateway counts over a window stay within the limit times the window (plus the bucket's one
 * second and one batch); a call with a wrong token is refused and changes nothing; lifting the limit lets the pair
 * converge with every acknowledged write.
 */
class ThrottledLinkTest {
    private static final long RATE = 512 * 1024;
    private static final long BATCH = 128 * 1024;
    private static final long WINDOW_BYTES = 3L << 20;
    private static final String WIRE = "datamover_source_wire_bytes_total";
    private static final String MAX_RATE = "datamover_source_max_rate_bytes_per_second";

    @TempDir
    Path base;

    @Test
    void theOperatorThrottlesTheLinkAtRunTimeAndTheWireBytesStayUnderTheLimit() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of("--batch-size", "128K"), 2020)) {
            ReplicationSite site = pair.site;
            assertThat(AdminMetrics.sum(site.sourceAdmin(), MAX_RATE)).as("unlimited at start").isZero();

            Path wrongToken = AdminTokenFile.write(base.resolve("not-the-token"), "somebody-else-s-secret-0123456789");
            ReplicationSite.CommandRun refused = site.sourceAdminCommand("throttle", List.of("--max-rate", "1K",
                    "--admin-token-file", wrongToken.toString()));
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("not this daemon's");
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_admin_requests_refused_total",
                    "reason=\"wrong\"")).isEqualTo(1);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), MAX_RATE)).as("nothing changed").isZero();

            ReplicationSite.CommandRun throttle = site.sourceAdminCommand("throttle", List.of("--max-rate", "512K"));
            assertThat(throttle.exitCode()).as(throttle.output()).isZero();
            assertThat(throttle.output()).contains("max rate 0.5 MiB/s now");
            assertThat(AdminMetrics.sum(site.sourceAdmin(), MAX_RATE)).isEqualTo(RATE);
            assertThat(site.source().log()).contains("accepted: the holder of the admin token")
                    .contains("refused (wrong)");

            // A window of at least 3 MiB on the wire, timed from before its first count to after its last.
            long start = System.nanoTime();
            double before = AdminMetrics.sum(site.sourceAdmin(), WIRE);
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "3 MiB more on the wire", () -> AdminMetrics.sum(
                    site.sourceAdmin(), WIRE), before + WINDOW_BYTES);
            double sent = AdminMetrics.sum(site.sourceAdmin(), WIRE) - before;
            double seconds = (System.nanoTime() - start) / 1e9;
            double bound = RATE * seconds + RATE + BATCH;
            System.out.printf("throttled link: %.0f wire bytes in %.1f s (%.0f B/s; limit %d B/s, bound %.0f bytes);"
                    + " source lag %.0f bytes%n", sent, seconds, sent / seconds, RATE, bound,
                    AdminMetrics.sum(site.sourceAdmin(), "datamover_source_lag_bytes"));
            assertThat(sent).as("wire bytes over %.1f s at %d B/s", seconds, RATE).isLessThanOrEqualTo(bound);
            pair.keepsWriting(); // the guest is never held up by the link's limit

            ReplicationSite.CommandRun lift = site.sourceAdminCommand("throttle", List.of("--max-rate", "0"));
            assertThat(lift.exitCode()).as(lift.output()).isZero();
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_source_ack_timeouts_total"))
                    .as("a throttled link is not taken for a stuck one").isZero();
            pair.converges();
        }
    }
}
