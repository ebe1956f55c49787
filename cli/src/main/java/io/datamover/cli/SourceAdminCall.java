package io.datamover.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
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
    int post(CommandLine.Model.CommandSpec spec, String command, String pathAndQuery) throws InterruptedException {
        return post(spec, command, admin, token, pathAndQuery, "the source gateway's --admin");
    }

    /** As {@link #post(CommandLine.Model.CommandSpec, String, String)} to {@code admin}, the admin port of {@code whose}. */
    static int post(CommandLine.Model.CommandSpec spec, String command, HostPort admin, AdminTokenOption token,
            String pathAndQuery, String whose) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            HttpResponse<String> response = AdminRequest.send("POST", URI.create("http://" + admin + pathAndQuery),
                    AdminRequest.TIMEOUT, token.header());
            if (response.statusCode() != 200) {
                err.print("datamover " + command + ": " + response.body());
                err.flush();
                return 1;
            }
            out.print(response.body());
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println(AdminRequest.unreachable(command, admin, e) + " (" + whose + ")");
            return 1;
        }
    }
}
