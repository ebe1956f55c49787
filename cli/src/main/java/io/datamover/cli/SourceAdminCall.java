package io.datamover.cli;

import picocli.CommandLine;

/**
 * A call that changes the source gateway ({@code resync}, {@code throttle}), mixed into its command: {@code --admin}
 * and the operator's {@code --admin-token-file}; prints the gateway's answer.
 */
final class SourceAdminCall {
    @CommandLine.Option(names = "--admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.SOURCE_GATEWAY_PORT,
            description = "The source gateway's admin address (default: ${DEFAULT-VALUE}).")
    HostPort admin;

    @CommandLine.Mixin
    AdminTokenOption token;

    /**
     * POSTs {@code pathAndQuery} (e.g. {@code /throttle?max-rate=5M}) and prints the answer on {@code spec}'s output,
     * or on its error output prefixed with {@code datamover COMMAND:} when refused.
     *
     * @return the exit status: 0 when the gateway answered 200, else 1
     */
    int post(CommandLine.Model.CommandSpec spec, String pathAndQuery) throws InterruptedException {
        return new AdminCall(admin, token, "the source gateway's --admin", AdminCall.EXIT_REFUSED)
                .post(spec, spec.name(), pathAndQuery, AdminRequest.TIMEOUT, "");
    }
}
