package io.datamover.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine;

/**
 * One POST of an operator command to a daemon's admin port, with the operator's token: prints the daemon's answer on
 * the command's output, or its refusal on the error output, and gives the command's exit status. The commands reach
 * it through {@link SourceAdminCall}, {@link TargetAdminCall} and the tap's {@link TapReplicationCommand}.
 */
final class AdminCall {
    static final int EXIT_REFUSED = 1;
    /** The daemon failed doing it (HTTP 500), for the commands that say so apart from a refusal: run it again. */
    static final int EXIT_FAILED = 3;

    private final HostPort admin;
    private final AdminTokenOption token;
    private final String where;
    private final int exitWhenFailed;

    /**
     * @param where          which option gave {@code admin}, for the operator when it cannot be reached
     * @param exitWhenFailed the exit status when the daemon answers 500 (any other refusal is {@link #EXIT_REFUSED})
     */
    AdminCall(HostPort admin, AdminTokenOption token, String where, int exitWhenFailed) {
        this.admin = admin;
        this.token = token;
        this.where = where;
        this.exitWhenFailed = exitWhenFailed;
    }

    /**
     * POSTs {@code pathAndQuery} (e.g. {@code /throttle?max-rate=5M}), waiting up to {@code timeout}, and prints the
     * answer, or the refusal prefixed with {@code datamover REFUSEDBY:}, or that the port could not be reached (with
     * {@code hint}, what else the operator can do, if any) on {@code spec}'s outputs.
     *
     * @return the exit status: 0 when the daemon answered 200
     */
    int post(CommandLine.Model.CommandSpec spec, String refusedBy, String pathAndQuery, Duration timeout, String hint)
            throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            HttpResponse<String> response = send(pathAndQuery, timeout);
            if (response.statusCode() != 200) {
                err.print("datamover " + refusedBy + ": " + response.body());
                err.flush();
                return response.statusCode() == 500 ? exitWhenFailed : EXIT_REFUSED;
            }
            out.print(response.body());
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println(AdminRequest.unreachable(spec.name(), admin, e) + " (" + where + hint + ")");
            err.flush();
            return EXIT_REFUSED;
        }
    }

    /**
     * POSTs {@code pathAndQuery} with the operator's token, waiting up to {@code timeout}, and returns the answer as
     * it is, for a command that reads it (a planned migration).
     *
     * @throws IOException when the admin port cannot be reached or does not answer in time
     */
    HttpResponse<String> send(String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
        return AdminRequest.send("POST", URI.create("http://" + admin + pathAndQuery), timeout, token.header());
    }
}
