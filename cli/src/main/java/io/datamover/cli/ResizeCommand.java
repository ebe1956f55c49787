package io.datamover.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover resize --cg N [--disk NAME]}: the running tap serves the disks whose images grew at their size. */
@Command(name = "resize", header = "Serve a protected disk that grew at its new size, without restarting the tap.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Grow the disk's image first (truncate -s, qemu-img resize, lvextend). The tap then grows its"
                + " dirty bitmap in one atomic step, reconnects to the source gateway so the handshake declares the"
                + " new size (each gateway grows the group, and the target the replica, before it answers), and"
                + " serves the new size: NBD clients see it on their next connection (NBD has no size-change notice)."
                + " No new consistency group, no full resync. The tap also does this by itself within 30 seconds of"
                + " noticing a larger image. A disk that shrank is refused and nothing changes. Safe to run again.",
                "",
                "Needs the tap's admin token (--admin-token-file)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the disks that grew are served at their new size (or none grew)",
                "1:refused (a disk shrank; no such disk; another group; no or a wrong admin token), or the admin port"
                        + " could not be reached",
                "2:wrong options"})
public final class ResizeCommand extends TapReplicationCommand {
    @Option(names = "--disk", paramLabel = "NAME", description = "Only this disk (default: every disk of the group).")
    String disk;

    @Override
    String moreParameters() {
        return disk == null ? "" : "&disk=" + URLEncoder.encode(disk, StandardCharsets.UTF_8);
    }
}
