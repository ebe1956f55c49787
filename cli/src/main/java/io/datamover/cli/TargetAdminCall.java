package io.datamover.cli;

import java.time.Duration;
import picocli.CommandLine;

/**
 * A call that changes the running target gateway ({@code failover}, {@code rehearse}), mixed into its command:
 * {@code --admin}; prints the gateway's answer. The command mixes in the operator's {@code --admin-token-file} itself,
 * where its help lists it ({@code failover} lists its offline options between the two).
 */
final class TargetAdminCall {
    @CommandLine.Option(names = "--admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.TARGET_GATEWAY_PORT,
            description = "The running target gateway's admin address (default: ${DEFAULT-VALUE}).")
    HostPort admin;

    /**
     * POSTs {@code pathAndQuery}, waiting up to {@code timeout} (the gateway may work a while), and prints the answer
     * on {@code spec}'s output, or on its error output prefixed with {@code datamover REFUSEDBY:} when refused.
     *
     * @param hint what else the operator can do when the admin port cannot be reached, or empty
     * @return the exit status: 0 when the gateway answered 200, 3 when it failed doing it (500), else 1
     */
    int post(CommandLine.Model.CommandSpec spec, AdminTokenOption token, String refusedBy, String pathAndQuery,
            Duration timeout, String hint) throws InterruptedException {
        return new AdminCall(admin, token, "the target gateway's --admin", AdminCall.EXIT_FAILED)
                .post(spec, refusedBy, pathAndQuery, timeout, hint);
    }
}
