package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.datamover.protocol.AckScope;
import io.datamover.protocol.Batch;
import io.datamover.protocol.Compression;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The target gateway's data and replica directories have one owner (a second gateway on either is refused, the
 * first goes on applying), and what it creates there (spools, replicas, stamps) is private whatever the umask.
 */
class TargetDirectoriesTest extends TargetGatewayFixture {

    @Test
    void aSecondGatewayOnTheSameDataOrReplicaDirectoryIsRefusedAndTheFirstAppliesOn() throws Exception {
        start();
        TestSource source = connect();
        String refusal = "in use by the target gateway in this process (pid " + ProcessHandle.current().pid() + ")";

        assertThatThrownBy(() -> startAnother(tmp.resolve("data"), tmp.resolve("other-replicas")))
                .isInstanceOf(IOException.class).hasMessageContaining(refusal);
        assertThatThrownBy(() -> startAnother(tmp.resolve("other-data"), tmp.resolve("replicas")))
                .isInstanceOf(IOException.class).hasMessageContaining(refusal);

        sendAndAwaitApplied(source, 1);
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void spoolsReplicasAndStampsAre0600InDirectories0700UnderUmask022() throws Exception {
        Path probe = Files.createFile(tmp.resolve("umask-probe"));
        assumeThat(mode(probe)).as("this JVM's umask lets others read new files (022)").isEqualTo("rw-r--r--");
        start();
        sendAndAwaitApplied(connect(), 1);

        List<Path> paths = walk(tmp.resolve("data"), tmp.resolve("replicas"));
        for (Path path : paths) {
            assertThat(mode(path)).as(path.toString()).isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------");
        }
        assertThat(paths).extracting(path -> path.getFileName().toString()).contains("spool", "system.img",
                "data.img", "datamover.lock");

        Path spoolDir = tmp.resolve("spool-only");
        BatchSpool spool = BatchSpool.open(spoolDir, 0, 0);
        Batch batch = images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, Images.pattern(4096, 1))));
        try {
            assertThat(mode(spool.write(batch, 0).file())).as("a spooled batch").isEqualTo("rw-------");
        } finally {
            batch.release();
        }
        assertThat(mode(spoolDir)).isEqualTo("rwx------");
    }

    private void startAnother(Path dataDir, Path replicaDir) throws Exception {
        TargetGateway.start(TargetGatewayConfig.builder(dataDir, replicaDir).listen("127.0.0.1", 0).build(),
                new SimpleMeterRegistry()).close();
    }

    private void sendAndAwaitApplied(TestSource source, long seq) throws Exception {
        Batch batch = images.batch(CG, seq, seq, Compression.NONE,
                List.of(data(seq, 1, 4096 * seq, images.random(4096))));
        source.send(batch);
        source.awaitAck(AckScope.APPLIED, seq);
    }

    private static List<Path> walk(Path... tops) throws IOException {
        List<Path> all = new java.util.ArrayList<>();
        for (Path top : tops) {
            try (Stream<Path> walk = Files.walk(top)) {
                all.addAll(walk.toList());
            }
        }
        return all;
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
