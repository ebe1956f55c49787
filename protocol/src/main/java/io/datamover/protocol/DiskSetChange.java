package io.datamover.protocol;

import java.util.List;
import java.util.Optional;

/**
 * How a consistency group's declared disks changed between two handshakes, in words an operator can act on: a disk
 * that shrank or grew is named with both sizes, anything else is a changed disk set. Shared by both gateways, which
 * refuse any change.
 */
public final class DiskSetChange {
    private DiskSetChange() {}

    /** Empty when {@code after} is {@code before}; else why the group cannot go on as it is. */
    public static Optional<String> describe(List<DiskInfo> before, List<DiskInfo> after) {
        if (before.equals(after)) {
            return Optional.empty();
        }
        if (before.size() == after.size()) {
            for (int i = 0; i < before.size(); i++) {
                DiskInfo was = before.get(i);
                DiskInfo now = after.get(i);
                if (was.id() == now.id() && was.name().equals(now.name())
                        && was.blockSizeBytes() == now.blockSizeBytes() && was.sizeBytes() != now.sizeBytes()) {
                    return Optional.of(resized(was, now));
                }
            }
        }
        return Optional.of("the disks changed from " + before + " to " + after
                + ": a changed disk set needs a new consistency group (or a resync)");
    }

    private static String resized(DiskInfo was, DiskInfo now) {
        if (now.sizeBytes() < was.sizeBytes()) {
            return "disk " + was.name() + " shrank from " + was.sizeBytes() + " to " + now.sizeBytes()
                    + " bytes: shrinking a protected disk is refused (its replica would lose data the source may"
                    + " still need); give the disk its size back";
        }
        return "disk " + was.name() + " grew from " + was.sizeBytes() + " to " + now.sizeBytes()
                + " bytes: growing a protected disk is not supported yet; protect it in a new consistency group";
    }
}
