package io.datamover.it;

import static io.datamover.it.FailoverTest.guest;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.Sizes;
import io.datamover.tap.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's "delta only", the daemons as processes: a group of four sparse disks (16 GiB each by default) is protected,
 * the first with 1 GiB of data; the link goes down and the original site writes on (journaled, never shipped); the
 * original site dies, the recovery site fails over and writes 64 MiB of random bytes over data and hole alike. Reverse
 * replication then ships, reads at the recovery site and applies at the original site at most 1.1x the changed bytes
 * plus the original site's unshipped ones (the daemons' metrics), and every original disk ends equal to its promoted
 * replica and thin. Prints the figures {@code bin/bench failover} records: the time from {@code failover} to a read
 * served on each of the four disks at the recovery site, and the reverse resync's bytes and time. Sizes from system
 * properties {@code datamover.delta.disk}, {@code .data}, {@code .change} (the bench sets them).
 */
class DeltaOnlyReverseTest {
    private static final long MIB = 1 << 20;
    private static final int REGION = 64 * 1024;
    private static final long CHUNK = 64 * MIB;
    private static final long UNSHIPPED = 8 * MIB;
    private static final List<String> DISKS = List.of("vm", "d1", "d2", "d3");
    private static final String FIGURES = "failover figures: ";
    private static final Pattern RESYNC_TIME = Pattern.compile("resync completed after (\\d+) ms");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path base;

    @Test
    void reverseReplicationShipsOnlyTheDeltaOfALargeSparseDisk() throws Exception {
        Tools.assumeInstalled("qemu-io");
        long disk = Sizes.parse(System.getProperty("datamover.delta.disk", "16G"));
        long data = Sizes.parse(System.getProperty("datamover.delta.data", "1G"));
        long change = Sizes.parse(System.getProperty("datamover.delta.change", "64M"));
        long chunks = data / CHUNK;
        long stride = disk / chunks / CHUNK * CHUNK; // the data spread over the disk, a hole after each chunk
        assertThat(stride).as("a hole after each 64 MiB chunk of data").isGreaterThan(CHUNK + UNSHIPPED);
        Map<String, Long> sizes = new LinkedHashMap<>();
        DISKS.forEach(name -> sizes.put(name, disk));
        try (ReversePair pair = new ReversePair(base, sizes)) {
            pair.protect();
            List<String> writes = new ArrayList<>();
            for (long i = 0; i < chunks; i++) {
                writes.add("write -P " + (0x10 + i % 0x60) + " " + i * stride + " " + CHUNK);
            }
            guest(pair.nbdPort(), "vm", writes.toArray(String[]::new));
            for (int i = 1; i < DISKS.size(); i++) {
                guest(pair.nbdPort(), DISKS.get(i), "write -P " + (0x80 + i) + " 0 1M");
            }
            pair.awaitForwardUpToDate(Duration.ofMinutes(3));
            // The tap heard that the target applied them (APPLIED_ACKS): it names no region the replica holds.
            for (String name : DISKS) {
                ReversePair.awaitClean(pair.tapState(), name, 0);
            }

            // The link goes down; the original site writes on, in a hole: journaled there, never shipped.
            pair.linkDown();
            guest(pair.nbdPort(), "vm", "write -P 0x77 " + (stride - UNSHIPPED) + " " + UNSHIPPED);
            FaultAwaits.journaled(pair.tapAdmin());
            // The tap keeps that write's bits until the target applies it (APPLIED_ACKS), down to the written
            // regions once its activity log's extents cool.
            ReversePair.awaitClean(pair.tapState(), "vm", (int) (UNSHIPPED / REGION));
            pair.loseOriginalSite();

            long failoverStart = System.nanoTime();
            String promotedSeq = pair.failover();
            long failedOver = System.nanoTime();
            pair.startRecoveryTap();
            guest(pair.recoveryNbd(), "vm", "read -P 0x10 0 64k");
            for (int i = 1; i < DISKS.size(); i++) {
                guest(pair.recoveryNbd(), DISKS.get(i), "read -P " + (0x80 + i) + " 0 64k");
            }
            long served = System.nanoTime();

            // 64 MiB of random bytes at the recovery site, half over the first chunk of data, half over its hole.
            Path random = randomFile(change);
            guest(pair.recoveryNbd(), "vm", "write -s " + random + " " + CHUNK / 2 + " " + change);
            ReversePair.awaitClean(pair.recoveryTapState(), "vm", (int) (change / REGION) + 1);

            ReplicationSite.CommandRun prepared = pair.datamover(pair.reverseAtOriginal(promotedSeq));
            assertThat(prepared.exitCode()).as(prepared.output()).isZero();
            ReplicationSite.CommandRun seeded = pair.datamover(pair.reverseAtRecovery());
            assertThat(seeded.exitCode()).as(seeded.output()).isZero();
            long reverseStart = System.nanoTime();
            pair.startReverseReplication();
            pair.awaitReverseUpToDate(Duration.ofMinutes(3));
            long reversed = System.nanoTime();

            for (String name : DISKS) {
                Disks.assertSameContentReadingOnlyData(pair.promoted(name), pair.disks().get(name));
                assertThat(Disks.allocatedBytes(pair.disks().get(name))).as(name + " thin")
                        .isLessThanOrEqualTo(Disks.allocatedBytes(pair.promoted(name)));
            }
            long changed = change + UNSHIPPED;
            double applied = pair.appliedAtOriginal();
            double wire = pair.receivedAtOriginal();
            double read = pair.resyncReadAtRecovery();
            System.out.printf("%sdisks 4 x %s (%s of data on the first), load average %s%n", FIGURES,
                    Sizes.human(disk), Sizes.human(data), loadAverage());
            System.out.printf("%sfailover command %.1f s, failover to a read served on each of the 4 disks %.1f s%n",
                    FIGURES, seconds(failedOver - failoverStart), seconds(served - failoverStart));
            System.out.printf("%sreverse resync: %d bytes changed (%s at the recovery site, %s unshipped at the "
                    + "original), %.0f bytes received on the wire (%.2fx), %.0f read at the recovery site (%.2fx), "
                    + "%.0f applied (%.2fx); %.1f s from starting the reversed daemons to UP_TO_DATE, the tap's "
                    + "resync %s%n", FIGURES, changed, Sizes.human(change), Sizes.human(UNSHIPPED), wire,
                    wire / changed, read, read / changed, applied, applied / changed,
                    seconds(reversed - reverseStart), resyncTime(pair.recoveryTap().log()));
            assertThat(applied).as("bytes applied at the original site").isGreaterThanOrEqualTo(change)
                    .isLessThanOrEqualTo(1.1 * changed);
            assertThat(wire).as("bytes received by the original site").isPositive()
                    .isLessThanOrEqualTo(1.1 * changed);
            // BitmapResync reads each data extent of the dirty regions once: the ordered reads that send it take the
            // chunk's bytes, since no guest write changed them meanwhile. Holes are not read.
            assertThat(read).as("bytes the recovery tap read to resync").isPositive()
                    .isLessThanOrEqualTo(1.1 * changed);
        }
    }

    private Path randomFile(long size) throws Exception {
        byte[] bytes = new byte[(int) size];
        new Random(17).nextBytes(bytes);
        return Files.write(base.resolve("random.bin"), bytes);
    }

    /** The recovery tap's own figure for its resync, as it logged it. */
    private static String resyncTime(String log) {
        Matcher m = RESYNC_TIME.matcher(log);
        String ms = null;
        while (m.find()) {
            ms = m.group(1);
        }
        return ms == null ? "not logged" : ms + " ms";
    }

    private static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
