package io.datamover.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** datamover-VERSION.tar.gz unpacked anywhere runs with nothing but a JDK 25 on the machine. */
class TarballIT {
    private static final Path TARBALL = Path.of(System.getProperty("datamover.tarball", "target/datamover.tar.gz"));
    private static final String VERSION = System.getProperty("datamover.version", "");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path unpacked;

    @Test
    void unpacksToALauncherTheJarsTheConfigurationTheUnitsTheMonitoringFilesAndTheLicenses() throws Exception {
        Path home = unpack();
        assertThat(home.resolve("bin/datamover")).isExecutable();
        assertThat(home.resolve("bin/lib/jdk.sh")).isRegularFile();
        assertThat(home.resolve("jvm.options")).content().contains("--enable-native-access=ALL-UNNAMED",
                "-Dchronicle.announcer.disable=true");
        for (String file : List.of("config/source-gateway.properties", "config/target-gateway.properties",
                "config/tap-example.properties", "systemd/datamover-tap@.service",
                "systemd/datamover-source-gateway.service", "systemd/datamover-target-gateway.service",
                "monitoring/prometheus/datamover-alerts.yml", "monitoring/grafana/datamover-dashboard.json")) {
            assertThat(home.resolve(file)).isRegularFile();
        }
        assertThat(home.resolve("licenses/LICENSE")).content().contains("Apache License", "Version 2.0");
        assertThat(home.resolve("deb-doc")).doesNotExist();
        // Every third-party jar of lib/ is listed with its license.
        String licenses = Files.readString(home.resolve("licenses/THIRD-PARTY.txt"));
        // THIRD-PARTY.txt names each dependency "(groupId:artifactId:version - url)"; a jar of lib/ is listed when its
        // name is artifactId-version.jar, or that with a classifier (a version may hold dashes itself: guava's
        // listenablefuture-9999.0-empty-to-avoid-conflict-with-guava).
        Matcher entry = Pattern.compile("\\(([^:()\\s]+):([^:()\\s]+):([^()\\s]+) - ").matcher(licenses);
        List<String> listed = new ArrayList<>();
        while (entry.find()) {
            listed.add(entry.group(2) + "-" + entry.group(3));
        }
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            for (Path path : lib.toList()) {
                String name = path.getFileName().toString();
                if (name.startsWith("datamover-")) {
                    continue;
                }
                assertThat(listed).as("THIRD-PARTY.txt lists " + name).anyMatch(artifact ->
                        name.equals(artifact + ".jar") || name.startsWith(artifact + "-") && name.endsWith(".jar"));
            }
        }
    }

    @Test
    void runsOnAJdk25ItFindsItselfWithoutJavaHomeWhateverJavaIsOnThePath() throws Exception {
        Path home = unpack();
        Tools.Result run = Tools.run(DEADLINE, "env", "-i", "PATH=/usr/bin:/bin", home.resolve("bin/datamover").toString(),
                "--version");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("datamover " + VERSION).containsPattern("JVM: 2[5-9]|JVM: [3-9][0-9]");
    }

    private Path unpack() throws Exception {
        Tools.Result tar = Tools.run(DEADLINE, "tar", "-xzf", TARBALL.toString(), "-C", unpacked.toString());
        assertThat(tar.exitCode()).as(tar.output()).isZero();
        Path home = unpacked.resolve("datamover-" + VERSION);
        assertThat(home).as("the tarball's one top directory").isDirectory();
        return home;
    }
}
