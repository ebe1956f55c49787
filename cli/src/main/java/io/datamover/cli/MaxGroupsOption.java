package io.datamover.cli;

import io.datamover.disk.GroupCapacity;
import picocli.CommandLine;

/** {@code --max-groups}, mixed into both gateways. */
final class MaxGroupsOption {
    @CommandLine.Option(names = "--max-groups", defaultValue = "" + GroupCapacity.DEFAULT_MAX_GROUPS, paramLabel = "N",
            description = "Consistency groups this gateway takes, at most; each costs two threads and a few dozen file"
                    + " descriptors. A new group past it, or one whose descriptors would not fit under the open-files"
                    + " limit (ulimit -n), is refused with TOO_MANY_GROUPS; groups already held keep replicating"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxGroups;
}
