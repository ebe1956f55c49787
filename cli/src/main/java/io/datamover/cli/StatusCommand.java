package io.datamover.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover status}: asks a daemon's admin port for its status and prints it. */
@Command(name = "status", header = "Print a daemon's status (replication state, lag, RPO, throughput) from its admin port.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints the status a daemon's admin port serves (tap, source or target gateway: their --admin"
                + " address): per consistency group its replication state, applied seq, lag in seconds, records"
                + " and bytes, journal (or spool or window) use, throughput, compression ratio, RPO against its"
                + " objective and last error; per disk its state.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the status was printed", "1:the admin port could not be reached or answered an error",
                "2:wrong options"})
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--gateway", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "The daemon's admin address (defaults: tap 127.0.0.1:9810, source gateway"
                    + " 127.0.0.1:9811, target gateway 127.0.0.1:9812).")
    HostPort gateway;

    @Option(names = "--json", description = "Print the status as JSON instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI uri = URI.create("http://" + gateway + "/status" + (json ? "" : "?format=text"));
        try {
            HttpResponse<String> response = AdminRequest.send("GET", uri);
            if (response.statusCode() != 200) {
                err.println("datamover status: " + uri + " answered HTTP " + response.statusCode());
                return 1;
            }
            out.print(response.body());
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println(AdminRequest.unreachable("status", gateway, e));
            return 1;
        }
    }
}
