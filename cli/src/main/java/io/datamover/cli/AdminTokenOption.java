package io.datamover.cli;

import io.datamover.cli.admin.AdminToken;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code --admin-token-file}, mixed into the operator commands that change a daemon ({@code resync},
 * {@code throttle}, {@code failover}, {@code pause}, {@code resume}): the secret the daemon was started with, sent as a
 * bearer token.
 */
final class AdminTokenOption {
    @CommandLine.Option(names = "--admin-token-file", paramLabel = "FILE",
            defaultValue = "${env:DATAMOVER_ADMIN_TOKEN_FILE}",
            description = "The daemon's admin token (its --admin-token-file), needed for calls that change it"
                    + " (default: $DATAMOVER_ADMIN_TOKEN_FILE; none: the daemon refuses the call).")
    Path file;

    /** The {@code Authorization} header to send, if a token file was given. */
    Optional<String> header() {
        return Optional.ofNullable(file).map(f -> AdminToken.load(f).header());
    }
}
