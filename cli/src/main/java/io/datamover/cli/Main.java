package io.datamover.cli;

import io.datamover.cli.cert.CertCommand;
import io.datamover.cli.demo.DemoCommand;
import io.datamover.disk.DirectoryInUseException;
import io.datamover.protocol.tls.TlsSetupException;
import io.datamover.tap.bitmap.BitmapFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code datamover} command: one executable, one subcommand per daemon or tool. */
@Command(
        name = "datamover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Asynchronous block replication for disaster recovery.",
        footer = {"", "New here? Run 'datamover demo', then 'datamover COMMAND --help' for any command."},
        subcommands = {TapCommand.class, SourceGatewayCommand.class, TargetGatewayCommand.class, DemoCommand.class,
                AckReceiverCommand.class, StatusCommand.class, ResyncCommand.class, ThrottleCommand.class,
                PauseCommand.class, ResumeCommand.class, VerifyCommand.class, RollbackCommand.class, FailoverCommand.class, ReverseCommand.class,
                SplitBrainCommand.class, FailbackCommand.class, MigrateCommand.class,
                RehearseCommand.class, CertCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line {@code args} (a daemon's config file first expanded into flags); the exit status. */
    static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new Main()).setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::startRefused);
        String[] expanded;
        try {
            refuseUnknownCommand(commandLine, args);
            expanded = ConfigFile.expand(commandLine, args);
        } catch (CommandLine.ParameterException e) {
            return usageError(e, args);
        }
        return commandLine.execute(expanded);
    }

    /**
     * picocli answers {@code --help} before it complains of a word it does not know, so {@code datamover nosuch --help}
     * would print the top-level help with status 0: a command name that is not one is refused first. The leading words
     * of {@code args} (up to the first option) are command names for as long as a command has subcommands and no
     * positional parameters.
     */
    private static void refuseUnknownCommand(CommandLine root, String[] args) {
        CommandLine command = root;
        for (String word : args) {
            if (word.startsWith("-")) {
                return;
            }
            CommandLine sub = command.getSubcommands().get(word);
            if (sub == null) {
                if (!command.getSubcommands().isEmpty()
                        && command.getCommandSpec().positionalParameters().isEmpty()) {
                    throw new CommandLine.ParameterException(command, "unknown command '" + word + "'; the commands"
                            + " are " + String.join(", ", command.getSubcommands().keySet()));
                }
                return;
            }
            command = sub;
        }
    }

    /** A wrong flag or setting: one line that says what to fix (not the whole usage), exit status 2. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        command.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        command.getErr().flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * A daemon refused at start because another process holds its directory, or its state directory holds another
     * disk's bitmap, or its TLS files are unusable: one line that says so and what to do, exit status 1; anything else as picocli reports it.
     */
    private static int startRefused(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (!(e instanceof DirectoryInUseException || e instanceof BitmapFormatException
                || e instanceof TlsSetupException)) {
            throw e;
        }
        command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        command.getErr().flush();
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
