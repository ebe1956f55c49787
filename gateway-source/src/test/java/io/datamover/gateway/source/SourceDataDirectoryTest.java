package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.HelloAck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source gateway's data directory has one owner (a second gateway on it is refused, the first journals on), and
 * what it creates there (groups, journals of raw guest data) is private whatever the umask.
 */
class SourceDataDirectoryTest {
    @TempDir
    Path dataDir;
    private SourceGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private SourceGateway start() throws Exception {
        // No target here: the shippers keep trying port 1 with backoff.
        return SourceGateway.start(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                ShipperConfig.builder("127.0.0.1", 1).build()).build(), new SimpleMeterRegistry(),
                InstantSource.system());
    }

    @Test
    void aSecondGatewayOnTheSameDataDirectoryIsRefusedAndTheFirstJournalsOn() throws Exception {
        gateway = start();
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-a"));
            assertThat(tap.next(HelloAck.class).resumeSeq()).isZero();
            tap.send(TestTap.record(1, 4096));
            assertThat(tap.next(Ack.class)).isEqualTo(new Ack(TestTap.CG, 1, AckScope.DURABLE));

            assertThatThrownBy(() -> start().close()).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by the source gateway in this process (pid "
                            + ProcessHandle.current().pid() + ")");

            tap.send(TestTap.record(2, 4096));
            assertThat(tap.next(Ack.class)).isEqualTo(new Ack(TestTap.CG, 2, AckScope.DURABLE));
        }
    }

    @Test
    void groupsAndJournalsAre0600InDirectories0700UnderUmask022() throws Exception {
        Path probe = Files.createFile(dataDir.resolve("umask-probe"));
        assumeThat(mode(probe)).as("this JVM's umask lets others read new files (022)").isEqualTo("rw-r--r--");
        Files.delete(probe);
        Path inside = dataDir.resolve("source-data");
        dataDir = inside;
        gateway = start();
        journalOneRecord();

        List<Path> paths;
        try (Stream<Path> walk = Files.walk(inside)) {
            paths = walk.toList();
        }
        for (Path path : paths) {
            assertThat(mode(path)).as(path.toString()).isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------");
        }
        assertThat(paths).extracting(path -> path.getFileName().toString()).contains("source-data", "journal",
                CgIdentityFile.FILE_NAME, "metadata.cq4t", "datamover.lock");
    }

    private void journalOneRecord() throws Exception {
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-a"));
            assertThat(tap.next(HelloAck.class).resumeSeq()).isZero();
            tap.send(TestTap.record(1, 4096));
            assertThat(tap.next(Ack.class)).isEqualTo(new Ack(TestTap.CG, 1, AckScope.DURABLE));
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
