package io.datamover.applier;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Names;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a replica set is opened for, validated once: the owning pair, the consistency group, the disks the
 * source declared and how zero ranges are stored.
 */
public record ReplicaSetConfig(String pairId, int cgId, List<DiskInfo> disks, Provisioning provisioning) {
    public ReplicaSetConfig {
        Names.requireId("pairId", pairId);
        if (provisioning == null) {
            throw new IllegalArgumentException("provisioning is required");
        }
        disks = List.copyOf(disks);
        if (disks.isEmpty()) {
            throw new IllegalArgumentException("a replica set needs at least one disk");
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (DiskInfo d : disks) {
            requireFileName(d.name());
            if (!ids.add(d.id()) || !names.add(d.name())) {
                throw new IllegalArgumentException("disk id " + d.id() + " or name " + d.name() + " declared twice");
            }
        }
    }

    /** Disk names become file names ({@code <name>.img}): they must not leave the replica directory or hide. */
    private static void requireFileName(String name) {
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.startsWith(".")) {
            throw new IllegalArgumentException("disk name '" + name
                    + "' cannot be a replica file name: no '/', '\\' or leading '.'");
        }
    }
}
