package io.datamover.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code datamover pause|resume|resize --cg N}: asks the tap's admin port ({@code POST /pause?cg=N}, {@code /resume},
 * {@code /resize}) with the operator's admin token; the subclasses name the action (the command's name) and may add
 * parameters ({@link #moreParameters}).
 */
abstract class TapReplicationCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.TAP_PORT,
            description = "The tap's admin address (default: ${DEFAULT-VALUE}).")
    HostPort admin;

    @CommandLine.Mixin
    AdminTokenOption token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        return new AdminCall(admin, token, "the tap's --admin", AdminCall.EXIT_REFUSED)
                .post(spec, spec.name(), "/" + spec.name() + "?cg=" + cg + moreParameters(), AdminRequest.TIMEOUT,
                        "");
    }

    /** More of the query after {@code cg=N}, each as {@code &name=value} (URL-encoded); none by default. */
    String moreParameters() {
        return "";
    }
}
