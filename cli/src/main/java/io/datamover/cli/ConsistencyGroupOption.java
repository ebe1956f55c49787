package io.datamover.cli;

import picocli.CommandLine;

/** {@code --cg N}, mixed into the operator commands that act on one consistency group. */
final class ConsistencyGroupOption {
    @CommandLine.Option(names = "--cg", required = true, paramLabel = "N", description = "The consistency group.")
    long cg;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    /**
     * The group, an unsigned 32-bit id.
     *
     * @throws CommandLine.ParameterException when it is out of that range (a wrong option: exit status 2)
     */
    long checked() {
        if (cg < 0 || cg > 0xFFFF_FFFFL) {
            throw new CommandLine.ParameterException(command.commandLine(), "--cg must be 0 to 4294967295, got " + cg);
        }
        return cg;
    }
}
