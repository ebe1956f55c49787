package io.datamover.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** An operator's admin token file as the daemons take it ({@code --admin-token-file}): a secret, mode 0600. */
final class AdminTokenFile {
    private AdminTokenFile() {}

    /** Writes {@code secret} (at least 16 characters) to {@code file}, 0600. */
    static Path write(Path file, String secret) throws IOException {
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
