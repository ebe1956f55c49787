package io.datamover.gateway.target;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.SplitBrainRegions;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What the recovery site wrote into a group's promoted disks since the promote, for a split brain's refusal and status
 * (docs/operations.md, "Split brain"): the target gateway does not serve those disks, the recovery tap does, and only
 * the daemon's command line knows where that tap keeps its dirty bitmaps.
 */
@FunctionalInterface
public interface PromotedWrites {
    /** Knows nothing: the figure is left out of the refusal. */
    PromotedWrites UNKNOWN = (cgId, disks) -> Optional.empty();

    /** The regions the promoted {@code disks} of group {@code cgId} changed since the promote, when known. */
    Optional<SplitBrainRegions> of(int cgId, List<DiskInfo> disks) throws IOException;
}
