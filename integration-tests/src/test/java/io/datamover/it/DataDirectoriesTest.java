package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directories of a running pair, as operators run it ({@code bin/datamover} processes): each has one owner,
 * so a second tap, source gateway or target gateway started on it is refused at start, naming the holder's pid, and
 * the pair goes on replicating; and whatever the umask, what the daemons create there is private (0600 files, 0700
 * directories).
 */
class DataDirectoriesTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;

    @TempDir
    Path base;

    @Test
    void aSecondDaemonOnADirectoryInUseIsRefusedNamingTheHolderAndThePairGoesOn() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").start()) {
            writeAndConverge(site, "write -P 0x11 0 1M");

            // Same directories as the running daemons, ports of their own; each checked, whatever the others did.
            SoftAssertions refusals = new SoftAssertions();
            assertRefused(refusals, site.target(), "target-gateway", "--listen", loopback(), "--data-dir",
                    site.targetDataDir().toString(), "--replica-dir", site.replicaDir().toString());
            assertRefused(refusals, site.source(), "source-gateway", "--listen", loopback(), "--target",
                    loopback(), "--data-dir", site.sourceDataDir().toString());
            assertRefused(refusals, site.tap(), "tap", "--export", ReplicationSite.EXPORT + "=" + site.sourceDisk(), "--nbd",
                    loopback(), "--gateway", loopback(), "--state-dir", site.tapStateDir().toString(),
                    "--initial-sync", "skip");
            refusals.assertAll();

            writeAndConverge(site, "write -P 0x22 1M 1M");
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    @Test
    void whatTheDaemonsCreateIsPrivateUnderUmask022() throws Exception {
        Tools.assumeInstalled("qemu-io");
        List<Path> dataDirs;
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").umask("022").start()) {
            writeAndConverge(site, "write -P 0x33 0 1M", "write -P 0x44 32M 64k");
            dataDirs = List.of(site.tapStateDir(), site.sourceDataDir(), site.targetDataDir(), site.replicaDir());
            assertPrivate(dataDirs);
        }
        assertPrivate(dataDirs); // and after the clean shutdown
    }

    private static void writeAndConverge(ReplicationSite site, String... commands) throws Exception {
        ConvergenceCheck.writeAndConverge(site, DEADLINE, commands);
    }

    /** Starts a second {@code args...} daemon: it must exit non-zero at once, naming {@code holder}'s pid. */
    private void assertRefused(SoftAssertions refusals, DaemonProcess holder, String... args) throws Exception {
        DaemonProcess second = new DaemonProcess(args[0] + "-2", base.resolve(args[0] + "-2.log"), args);
        try (second) {
            Integer exit = second.launch().awaitExit(DEADLINE);
            refusals.assertThat(exit).as("a second %s exits non-zero; its log:\n%s", args[0], second.log())
                    .isNotNull().isNotZero();
            refusals.assertThat(second.log()).as("a second %s names the holder", args[0]).contains("in use by")
                    .contains("(pid " + holder.pid() + ")");
        }
    }

    private static String loopback() throws IOException {
        return "127.0.0.1:" + LoopbackPorts.next();
    }

    /** Every directory under (and including) {@code dataDirs} is 0700, every file 0600; each kind of file is seen. */
    private static void assertPrivate(List<Path> dataDirs) throws IOException {
        List<String> names = new ArrayList<>();
        for (Path dataDir : dataDirs) {
            try (Stream<Path> walk = Files.walk(dataDir)) {
                for (Path path : walk.toList()) {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
                    assertThat(mode).as(path.toString()).isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------");
                    names.add(path.getFileName().toString());
                }
            }
        }
        assertThat(names).as("the kinds of file checked").contains("datamover.lock", ReplicationSite.EXPORT + ".dirty",
                ReplicationSite.EXPORT + ".img", "metadata.cq4t", "spool", "journal")
                .anyMatch(name -> name.endsWith(".cq4"));
    }
}
