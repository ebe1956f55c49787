package io.datamover.cli;

import picocli.CommandLine.Command;

/** {@code datamover pause --cg N}: the tap stops replicating the group and keeps dirty bits until a resume. */
@Command(name = "pause", header = "Pause the replication of a consistency group at its tap.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The tap goes to mode PAUSED: the guests' writes go on to the local disks, no records are"
                + " sent, and only the regions written are kept (durable dirty bits), as in bitmap mode. The"
                + " connection to the source gateway stays up. The pause is stored in the tap's --state-dir: a"
                + " restarted tap stays paused. `datamover status` shows PAUSED. Safe to run again.",
                "",
                "Needs the tap's admin token (--admin-token-file)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the group is paused (or was already)",
                "1:refused (another group; no or a wrong admin token), or the admin port could not be reached",
                "2:wrong options"})
public final class PauseCommand extends TapReplicationCommand {
}
