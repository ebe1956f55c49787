package io.datamover.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code datamover pause|resume --cg N}: asks the tap's admin port ({@code POST /pause?cg=N} or {@code /resume}) with
 * the operator's admin token; the subclasses name the action.
 */
abstract class TapReplicationCommand implements Callable<Integer> {
    @Option(names = "--cg", required = true, paramLabel = "N", description = "The consistency group.")
    long cg;

    @Option(names = "--admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.TAP_PORT,
            description = "The tap's admin address (default: ${DEFAULT-VALUE}).")
    HostPort admin;

    @CommandLine.Mixin
    AdminTokenOption token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code pause} or {@code resume}: the command and the admin path. */
    abstract String action();

    @Override
    public Integer call() throws InterruptedException {
        if (cg < 0 || cg > 0xFFFF_FFFFL) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cg must be 0 to 4294967295, got " + cg);
        }
        return SourceAdminCall.post(spec, action(), admin, token, "/" + action() + "?cg=" + cg, "the tap's --admin");
    }
}
