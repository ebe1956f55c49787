package io.datamover.cli;

import io.datamover.cli.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code datamover} command: one executable, one subcommand per daemon or tool. */
@Command(
        name = "datamover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Asynchronous block replication for disaster recovery.",
        subcommands = {TapCommand.class, SourceGatewayCommand.class, TargetGatewayCommand.class, DemoCommand.class,
                AckReceiverCommand.class, StatusCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
