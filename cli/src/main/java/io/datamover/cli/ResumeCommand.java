package io.datamover.cli;

import picocli.CommandLine.Command;

/** {@code datamover resume --cg N}: the tap resyncs what was written while paused, then streams again. */
@Command(name = "resume", header = "Resume the replication of a paused consistency group.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The tap leaves PAUSED for bitmap mode and resyncs the regions written while paused (the"
                + " replica disks are INCONSISTENT until that resync ends), then streams again. Safe to run again;"
                + " a group that is not paused is left as it is.",
                "",
                "Needs the tap's admin token (--admin-token-file)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the group is no longer paused",
                "1:refused (another group; no or a wrong admin token), or the admin port could not be reached",
                "2:wrong options"})
public final class ResumeCommand extends TapReplicationCommand {
}
