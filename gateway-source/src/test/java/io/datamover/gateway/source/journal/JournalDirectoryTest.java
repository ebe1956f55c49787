package io.datamover.gateway.source.journal;

import static io.datamover.gateway.source.journal.JournalFixtures.appendAndRelease;
import static io.datamover.gateway.source.journal.JournalFixtures.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.datamover.gateway.source.journal.JournalFixtures.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journal's directory has one owner, and its files (raw guest data) are private whatever the umask. */
class JournalDirectoryTest {
    @TempDir
    Path base;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();

    private Journal open(Path directory) throws JournalStorageException {
        return Journal.open(JournalConfig.of(directory, 1 << 24), registry, clock);
    }

    @Test
    void aSecondJournalOnTheSameDirectoryIsRefused() throws Exception {
        Path directory = base.resolve("journal");
        try (Journal journal = open(directory)) {
            appendAndRelease(journal, data(1, 512));
            journal.sync();
            assertThatThrownBy(() -> open(directory).close()).isInstanceOf(JournalStorageException.class)
                    .hasMessageContaining("in use by the source gateway's journal in this process (pid "
                            + ProcessHandle.current().pid() + ")");
            appendAndRelease(journal, data(2, 512)); // the owner goes on
            assertThat(journal.sync()).isEqualTo(2);
        }
        try (Journal reopened = open(directory)) {
            assertThat(reopened.durableSeq()).isEqualTo(2);
        }
    }

    @Test
    void theJournalsFilesAre0600AndItsDirectory0700UnderUmask022() throws Exception {
        Path probe = Files.createFile(base.resolve("umask-probe"));
        assumeThat(mode(probe)).as("this JVM's umask lets others read new files (022)").isEqualTo("rw-r--r--");
        Path directory = base.resolve("cg-1").resolve("journal");
        try (Journal journal = open(directory)) {
            for (long seq = 1; seq <= 30; seq++) {
                appendAndRelease(journal, data(seq, 4096));
                journal.sync();
                if (seq % 10 == 0) {
                    clock.advanceMinutes(5); // a new cycle file every ten records
                }
            }
            journal.release(5); // the retention mark
            assertPrivate(base.resolve("cg-1"));
        }
        assertPrivate(base.resolve("cg-1"));
    }

    private static void assertPrivate(Path top) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(top)) {
            paths = walk.toList();
        }
        for (Path path : paths) {
            assertThat(mode(path)).as(path.toString()).isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------");
        }
        assertThat(paths).extracting(path -> path.getFileName().toString()).contains("metadata.cq4t",
                RetentionMark.FILE_NAME).filteredOn(name -> name.endsWith(".cq4")).hasSizeGreaterThan(1);
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
