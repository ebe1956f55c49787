package io.datamover.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package on this machine as an operator uses it: {@code dpkg -i}, certificates made with the installed
 * command, the installed example configuration filled in, the three units started (by systemd, or by their ExecStart
 * lines where PID 1 is not systemd), a guest's writes through the tap with qemu-io, the replica equal to the image,
 * then {@code dpkg --purge}. Needs root (CI runs as root); otherwise it aborts saying so. It never leaves the package
 * installed: {@link #purgeWhateverIsLeft()} runs whatever happened.
 */
class DebianPackageIT {
    private static final Path DEB = Path.of(System.getProperty("datamover.deb", "target/datamover.deb"));
    private static final Path ETC = Path.of("/etc/datamover");
    private static final Path DATA = Path.of("/var/lib/datamover");
    private static final Path IMAGE = DATA.resolve("images/it.img");
    private static final Path REPLICA = DATA.resolve("replicas/cg-1/disk.img");
    private static final String TAP = "datamover-tap@it.service";
    private static final String SOURCE = "datamover-source-gateway.service";
    private static final String TARGET = "datamover-target-gateway.service";
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final long DISK_BYTES = 64L << 20;

    @TempDir
    static Path work;

    private static boolean installedHere;

    @BeforeAll
    static void installThePackage() throws Exception {
        assumeTrue(isRoot(), "needs root: installs the Debian package with dpkg and runs its daemons as the datamover"
                + " user (CI runs as root)");
        Tools.assumeInstalled("dpkg");
        Tools.assumeInstalled("qemu-io");
        assumeTrue(Files.isRegularFile(DEB), DEB + " is missing: run './mvnw package' first");
        if (dpkg("-s", "datamover").exitCode() == 0 || Files.exists(ETC) || Files.exists(DATA)) {
            abort("datamover is installed on this machine or left " + ETC + " or " + DATA + ": this test installs and"
                    + " purges the package, so it needs a machine without it");
        }
        installedHere = true;
        assertSucceeds(dpkg("-i", DEB.toString()));
    }

    @AfterAll
    static void purgeWhateverIsLeft() throws Exception {
        if (installedHere) {
            dpkg("--purge", "datamover");
            Tools.run(DEADLINE, "rm", "-rf", ETC.toString(), DATA.toString());
        }
    }

    @Test
    void installsRunsTheUnitsReplicatesThroughTheTapAndPurgesCleanly() throws Exception {
        assertInstalled();
        assertSucceeds(dpkg("-i", DEB.toString())); // installing again: the user exists, postinst copes

        int nbd = LoopbackPorts.next();
        int source = LoopbackPorts.next();
        int target = LoopbackPorts.next();
        makeCertificates();
        configure(ETC.resolve("target-gateway.properties"), ETC.resolve("target-gateway.properties"),
                "listen", "127.0.0.1:" + target, "admin", "127.0.0.1:" + LoopbackPorts.next());
        configure(ETC.resolve("source-gateway.properties"), ETC.resolve("source-gateway.properties"),
                "listen", "127.0.0.1:" + source, "target", "127.0.0.1:" + target,
                "admin", "127.0.0.1:" + LoopbackPorts.next());
        configure(ETC.resolve("tap-example.properties"), ETC.resolve("tap-it.properties"),
                "export", "disk=" + IMAGE, "nbd", "127.0.0.1:" + nbd, "gateway", "127.0.0.1:" + source,
                "state-dir", DATA.resolve("tap/it").toString(), "admin", "127.0.0.1:" + LoopbackPorts.next());
        makeImage();

        ServiceManager units = new ServiceManager(work);
        try {
            start(units, TARGET, target);
            start(units, SOURCE, source);
            start(units, TAP, nbd);

            // The initial sync copies what the image held; then a guest writes through the tap.
            String uri = "nbd://127.0.0.1:" + nbd + "/disk";
            assertSucceeds(Tools.run(DEADLINE, "qemu-io", "-f", "raw", uri, "-c", "write -P 0x5a 0 1M",
                    "-c", "write -P 0xa5 40M 3M", "-c", "write -z 8M 64k", "-c", "flush"));
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(Files.exists(REPLICA) ? sha256(REPLICA) : "no replica yet")
                            .as("the replica catches up with the image (%s)", units.how())
                            .isEqualTo(sha256(IMAGE)));
            assertThat(Files.getOwner(REPLICA).getName()).isEqualTo("datamover");

            for (String unit : List.of(TAP, SOURCE, TARGET)) {
                assertThat(units.stop(unit)).as(unit + " stops cleanly:\n" + units.log(unit)).isIn(0, 143);
            }
        } finally {
            units.stopAll();
        }

        removeWhatThisTestAdded();
        assertSucceeds(dpkg("--purge", "datamover"));
        assertPurged();
    }

    private static void assertInstalled() throws Exception {
        assertThat(Path.of("/usr/bin/datamover")).isExecutable();
        for (String unit : List.of("datamover-tap@.service", SOURCE, TARGET)) {
            assertThat(ServiceManager.UNITS.resolve(unit)).isRegularFile();
        }
        assertThat(Path.of("/usr/share/doc/datamover/copyright")).content().contains("License: Apache-2.0");
        assertThat(Path.of("/usr/share/doc/datamover/LICENSE")).content().contains("Apache License");
        assertThat(Tools.run(DEADLINE, "dpkg-query", "-W", "-f", "${Conffiles}", "datamover").output())
                .contains("/etc/datamover/source-gateway.properties", "/etc/datamover/target-gateway.properties",
                        "/etc/datamover/tap-example.properties");
        assertThat(Tools.run(DEADLINE, "getent", "passwd", "datamover").output())
                .contains(":/var/lib/datamover:/usr/sbin/nologin");
        assertThat(Files.getOwner(DATA).getName()).isEqualTo("datamover");
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            // The units as systemd reads them, and their sandbox: exposure at most 4 of 10 ("OK").
            assertSucceeds(systemdAnalyze("verify", "--man=no"));
            assertSucceeds(systemdAnalyze("security", "--offline=true", "--threshold=40"));
        }
        Tools.Result version = Tools.run(DEADLINE, "/usr/bin/datamover", "--version");
        assertThat(version.output()).as("on a JDK 25 it found by itself").containsPattern("JVM: 2[5-9]|JVM: [3-9][0-9]");
    }

    /** A lab CA and the three daemons' certificates, made with the installed command, owned by the datamover user. */
    private static void makeCertificates() throws Exception {
        Path ca = work.resolve("ca");
        Path tls = ETC.resolve("tls");
        assertSucceeds(Tools.run(DEADLINE, "datamover", "cert", "create-ca", "--dir", ca.toString()));
        for (List<String> role : List.of(List.of("--role", "tap", "--cg", "1"), List.of("--role", "source-gateway"),
                List.of("--role", "target-gateway"))) {
            List<String> command = new ArrayList<>(List.of("datamover", "cert", "create", "--dir",
                    ca.toString(), "--pair", "P", "--host", "127.0.0.1", "--out", tls.toString()));
            command.addAll(role);
            assertSucceeds(Tools.run(DEADLINE, command.toArray(String[]::new)));
        }
        Files.copy(ca.resolve("ca.crt"), tls.resolve("ca.crt"));
        assertSucceeds(Tools.run(DEADLINE, "chown", "-R", "datamover:datamover", tls.toString()));
    }

    /** The installed example {@code from}, with {@code settings} (key, value, ...) changed, written to {@code to}. */
    private static void configure(Path from, Path to, String... settings) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(from)) {
            properties.load(in);
        }
        for (int i = 0; i < settings.length; i += 2) {
            assertThat(properties).as(from + " sets " + settings[i]).containsKey(settings[i]);
            properties.setProperty(settings[i], settings[i + 1]);
        }
        try (OutputStream out = Files.newOutputStream(to)) {
            properties.store(out, "DebianPackageIT: " + from.getFileName() + " with this test's ports and disk");
        }
    }

    /** A sparse disk image with 4 MiB of data at 16 MiB, owned by the datamover user (the tap writes it). */
    private static void makeImage() throws Exception {
        Files.createDirectories(IMAGE.getParent());
        byte[] data = new byte[4 << 20];
        new Random(20).nextBytes(data);
        try (RandomAccessFile file = new RandomAccessFile(IMAGE.toFile(), "rw")) {
            file.setLength(DISK_BYTES);
            file.seek(16L << 20);
            file.write(data);
        }
        assertSucceeds(Tools.run(DEADLINE, "chown", "-R", "datamover:datamover", IMAGE.getParent().toString()));
    }

    private static void start(ServiceManager units, String unit, int port) throws Exception {
        units.start(unit);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!units.running(unit)) {
                throw new AssertionError(unit + " stopped at start:\n" + units.log(unit));
            }
            return LoopbackPorts.listening(port);
        });
        assertThat(units.user(unit)).as(unit + " runs as").isEqualTo("datamover");
    }

    private static void removeWhatThisTestAdded() throws Exception {
        assertSucceeds(Tools.run(DEADLINE, "rm", "-rf", ETC.resolve("tls").toString(),
                ETC.resolve("tap-it.properties").toString()));
        Files.createDirectories(ETC.resolve("tls")); // as postinst made it, so that purge has it to remove
    }

    /** Everything the package put on the machine is gone but the data directory, which purge keeps. */
    private static void assertPurged() throws Exception {
        assertThat(dpkg("-s", "datamover").exitCode()).as("dpkg -s after purge").isNotZero();
        assertThat(Path.of("/usr/bin/datamover")).doesNotExist();
        assertThat(Path.of("/usr/share/datamover")).doesNotExist();
        assertThat(Path.of("/usr/share/doc/datamover")).doesNotExist();
        assertThat(ETC).doesNotExist();
        for (String unit : List.of("datamover-tap@.service", SOURCE, TARGET)) {
            assertThat(ServiceManager.UNITS.resolve(unit)).doesNotExist();
        }
        assertThat(Tools.run(DEADLINE, "getent", "passwd", "datamover").exitCode()).as("the user").isNotZero();
        assertThat(Tools.run(DEADLINE, "getent", "group", "datamover").exitCode()).as("the group").isNotZero();
        assertThat(REPLICA).as("the data: journals and replicas may be the only copy").exists();
    }

    private static Tools.Result dpkg(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("dpkg"));
        command.addAll(List.of(args));
        return Tools.run(DEADLINE, command.toArray(String[]::new));
    }

    /** systemd-analyze on the installed units, the tap's template as its instance {@code it}. */
    private static Tools.Result systemdAnalyze(String... verbAndOptions) throws Exception {
        Path tap = Files.createDirectories(work.resolve("units")).resolve(TAP);
        Files.copy(ServiceManager.UNITS.resolve("datamover-tap@.service"), tap, StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("systemd-analyze"));
        command.addAll(List.of(verbAndOptions));
        command.addAll(List.of(ServiceManager.UNITS.resolve(SOURCE).toString(),
                ServiceManager.UNITS.resolve(TARGET).toString(), tap.toString()));
        return Tools.run(DEADLINE, command.toArray(String[]::new));
    }

    private static void assertSucceeds(Tools.Result result) {
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        return Tools.run(DEADLINE, "id", "-u").output().strip().equals("0");
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
