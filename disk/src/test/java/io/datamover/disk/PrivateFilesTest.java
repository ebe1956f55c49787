package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the disk module creates is private although this JVM's umask (022) would let others read it. */
class PrivateFilesTest {
    @TempDir
    Path dir;

    @BeforeEach
    void umaskLetsOthersRead() throws IOException {
        Path probe = Files.createFile(dir.resolve("umask-probe"));
        assumeThat(mode(probe)).as("this JVM's umask lets others read new files (022)").isEqualTo("rw-r--r--");
        Files.delete(probe);
    }

    @Test
    void createdDirectoriesAre0700AndAnExistingOneKeepsItsMode() throws IOException {
        Path operators = Files.createDirectory(dir.resolve("operators"));
        String operatorsMode = mode(operators);

        Path created = PrivateFiles.createDirectories(operators.resolve("a").resolve("b"));

        assertThat(mode(operators.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(created)).isEqualTo("rwx------");
        assertThat(mode(operators)).isEqualTo(operatorsMode).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aSparseFileCreatedIs0600() throws IOException {
        SparseFile.create(dir.resolve("replica.img"), 1 << 20).close();
        assertThat(mode(dir.resolve("replica.img"))).isEqualTo("rw-------");
    }

    @Test
    void aDurablyReplacedFileIs0600EvenOverAPublicFileAndAPublicLeftover() throws IOException {
        Path stamp = Files.writeString(dir.resolve("stamp"), "old");
        Files.writeString(dir.resolve("stamp.tmp"), "a crash left this"); // 0644, as before this change

        DurableFiles.replace(stamp, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(mode(stamp)).isEqualTo("rw-------");
        assertThat(Files.readAllBytes(stamp)).containsExactly(1, 2, 3);

        DurableFiles.replace(dir.resolve("new"), ByteBuffer.wrap(new byte[] {4}));
        assertThat(mode(dir.resolve("new"))).isEqualTo("rw-------");
    }

    @Test
    void filesALibraryCreatedAreRestricted() throws IOException {
        Path library = Files.writeString(dir.resolve("metadata.cq4t"), "x");
        PrivateFiles.restrictFilesIn(dir);
        assertThat(mode(library)).isEqualTo("rw-------");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
