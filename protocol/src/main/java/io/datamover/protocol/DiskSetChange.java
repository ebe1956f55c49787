package io.datamover.protocol;

import java.util.List;
import java.util.Optional;

/**
 * How a consistency group's declared disks changed between two handshakes. Growth (the same disks, one or more of
 * them larger, none smaller) is the one change both gateways take: they grow the group's journal identity and
 * replicas before any write past the old end can reach them ({@link #grows}). Anything else is refused in words an
 * operator can act on: a disk that shrank is named with both sizes, anything else is a changed disk set.
 */
public final class DiskSetChange {
    private DiskSetChange() {}

    /** True when {@code after} is {@code before} with one or more disks larger and nothing else changed. */
    public static boolean grows(List<DiskInfo> before, List<DiskInfo> after) {
        if (before.equals(after) || !sameDisksResized(before, after)) {
            return false;
        }
        for (int i = 0; i < before.size(); i++) {
            if (after.get(i).sizeBytes() < before.get(i).sizeBytes()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Empty when {@code after} is {@code before}; else why the group cannot go on as it is. Growth is described too
     * (a caller that meets it has not grown the group first); callers ask {@link #grows} before.
     */
    public static Optional<String> describe(List<DiskInfo> before, List<DiskInfo> after) {
        if (before.equals(after)) {
            return Optional.empty();
        }
        if (sameDisksResized(before, after)) {
            for (int i = 0; i < before.size(); i++) {
                DiskInfo was = before.get(i);
                DiskInfo now = after.get(i);
                if (now.sizeBytes() < was.sizeBytes()) {
                    return Optional.of("disk " + was.name() + " shrank from " + was.sizeBytes() + " to "
                            + now.sizeBytes() + " bytes: shrinking a protected disk is refused (its replica would"
                            + " lose data the source may still need); give the disk its size back");
                }
            }
            return Optional.of("disks grew from " + before + " to " + after + " but this group was not grown");
        }
        return Optional.of("the disks changed from " + before + " to " + after
                + ": a changed disk set needs a new consistency group (or a resync)");
    }

    /** The same disks (ids, names, block sizes, in order), some of another size. */
    private static boolean sameDisksResized(List<DiskInfo> before, List<DiskInfo> after) {
        if (before.size() != after.size()) {
            return false;
        }
        for (int i = 0; i < before.size(); i++) {
            DiskInfo was = before.get(i);
            DiskInfo now = after.get(i);
            if (was.id() != now.id() || !was.name().equals(now.name())
                    || was.blockSizeBytes() != now.blockSizeBytes()) {
                return false;
            }
        }
        return true;
    }
}
