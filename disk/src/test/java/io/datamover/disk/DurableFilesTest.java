package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small state files replaced whole, over a temporary file a crash may have left behind. */
class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void aPrivateFileIsReplacedWholeOverACrashsLeftoverAndStays0600() throws Exception {
        Path file = dir.resolve("state");
        Files.writeString(dir.resolve("state.tmp"), "half of an older vers"); // a crash between write and rename
        DurableFiles.replace(file, ascii("epoch=7\n"));
        DurableFiles.replace(file, ascii("epoch=8\n"));

        assertThat(Files.readString(file)).isEqualTo("epoch=8\n");
        assertThat(dir.resolve("state.tmp")).doesNotExist();
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aReadableFileIsReplacedWholeAndKeepsTheUmasksMode() throws Exception {
        Path file = dir.resolve("ca.crt");
        Files.writeString(dir.resolve("ca.crt.tmp"), "-----BEGIN CERT");
        DurableFiles.replaceReadable(file, ascii("-----BEGIN CERTIFICATE-----\n"));

        assertThat(Files.readString(file)).isEqualTo("-----BEGIN CERTIFICATE-----\n");
        assertThat(dir.resolve("ca.crt.tmp")).doesNotExist();
        Path plain = Files.createFile(dir.resolve("created-by-umask"));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }
}
