package io.datamover.cli;

import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.AdminToken;
import io.datamover.cli.admin.DaemonAdmin;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code --admin}, mixed into every daemon. Each daemon has its own default port, so that the three can run on one
 * host (a lab, the demo's machine) without a flag; the option itself is the same everywhere.
 */
final class AdminOption {
    static final int TAP_PORT = 9810;
    static final int SOURCE_GATEWAY_PORT = 9811;
    static final int TARGET_GATEWAY_PORT = 9812;

    @CommandLine.Option(names = "--admin", paramLabel = "HOST:PORT|off",
            description = "The admin HTTP port: GET /metrics (Prometheus), /status (JSON; ?format=text for the"
                    + " table), /health. off: none (default: 127.0.0.1 and port " + TAP_PORT + " for the tap, "
                    + SOURCE_GATEWAY_PORT + " for the source gateway, " + TARGET_GATEWAY_PORT
                    + " for the target gateway).")
    String value;

    @CommandLine.Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "The operator's secret for mutating admin calls (POST: resync, throttle): a file only its"
                    + " owner can read (mode 0600; checked at start). Without it those calls are refused; GETs stay"
                    + " open.")
    Path tokenFile;

    /**
     * Who may make mutating admin calls: the holder of {@code --admin-token-file}, or nobody.
     *
     * @throws IllegalArgumentException when the file is missing, short or readable by others
     */
    AdminAuthorization authorization() {
        return new AdminAuthorization(Optional.ofNullable(tokenFile).map(AdminToken::load));
    }

    /** Where the daemon's admin port listens, or empty for {@code off}. */
    Optional<InetSocketAddress> address(int defaultPort) {
        return DaemonAdmin.parseAddress(value != null ? value : "127.0.0.1:" + defaultPort);
    }
}
