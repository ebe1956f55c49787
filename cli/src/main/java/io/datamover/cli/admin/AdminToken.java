package io.datamover.cli.admin;

import io.datamover.disk.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The operator's credential for mutating admin calls ({@code --admin-token-file}): a secret in a file only its owner
 * can read (root or the daemon's user; mode 0600 or 0400, checked at start like the TLS private keys), sent by the
 * CLI as {@code Authorization: Bearer SECRET}. Compared in constant time.
 */
public final class AdminToken {
    /** Shorter secrets are refused: they could be guessed. */
    static final int MIN_LENGTH = 16;

    private final Path file;
    private final byte[] secret;

    private AdminToken(Path file, byte[] secret) {
        this.file = file;
        this.secret = secret;
    }

    /**
     * Reads the secret of {@code file} (its first line, trimmed).
     *
     * @throws IllegalArgumentException when the file is missing, readable by group or others, or the secret short
     */
    public static AdminToken load(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + " is not a file: write a secret into it (e.g. 'head -c 32"
                        + " /dev/urandom | base64 > " + file + "; chmod 600 " + file + "')");
            }
            requireOwnerOnly(file);
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the admin token: " + e.getMessage(), e);
        }
        String line = text.lines().findFirst().orElse("").trim();
        if (line.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(file + " holds a secret of " + line.length() + " characters; an admin"
                    + " token has at least " + MIN_LENGTH + " (e.g. 'head -c 32 /dev/urandom | base64')");
        }
        return new AdminToken(file, line.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        Optional<String> open = PrivateFiles.openBeyondOwner(file);
        if (open.isPresent()) {
            throw new IllegalArgumentException(file + " is readable or writable by group or others (mode "
                    + open.get() + "): an admin token must be its owner's only; run: chmod 600 " + file);
        }
    }

    /** The value of the {@code Authorization} header that carries this token. */
    public String header() {
        return "Bearer " + new String(secret, StandardCharsets.UTF_8);
    }

    /** True when {@code authorization} (the request's header, or null) carries this token. */
    boolean admits(String authorization) {
        return authorization != null && MessageDigest.isEqual(header().getBytes(StandardCharsets.UTF_8),
                authorization.trim().getBytes(StandardCharsets.UTF_8));
    }

    public Path file() {
        return file;
    }
}
