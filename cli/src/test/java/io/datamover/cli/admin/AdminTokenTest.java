package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin token file as the daemon and the CLI read it: its mode and its secret are checked. */
class AdminTokenTest {
    @TempDir
    Path dir;

    /** Writes {@code text} to {@code file} with {@code mode} (e.g. {@code rw-------}). */
    static Path write(Path file, String text, String mode) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void anOwnerOnlyFileGivesTheBearerHeaderItAdmits() throws Exception {
        AdminToken token = AdminToken.load(write(dir.resolve("t"), "  0123456789abcdefXYZ  \nignored\n", "r--------"));
        assertThat(token.header()).isEqualTo("Bearer 0123456789abcdefXYZ");
        assertThat(token.admits("Bearer 0123456789abcdefXYZ")).isTrue();
        assertThat(token.admits("Bearer 0123456789abcdefXY")).isFalse();
        assertThat(token.admits(null)).isFalse();
    }

    @Test
    void aFileOthersCanReadIsRefusedWithTheFix() throws Exception {
        Path file = write(dir.resolve("t"), "0123456789abcdefXYZ\n", "rw-r--r--");
        assertThatThrownBy(() -> AdminToken.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rw-r--r--").hasMessageContaining("chmod 600 " + file);
    }

    @Test
    void aMissingFileOrAShortSecretIsRefused() throws Exception {
        assertThatThrownBy(() -> AdminToken.load(dir.resolve("none"))).hasMessageContaining("is not a file");
        Path shortSecret = write(dir.resolve("s"), "short\n", "rw-------");
        assertThatThrownBy(() -> AdminToken.load(shortSecret)).hasMessageContaining("at least 16");
    }
}
