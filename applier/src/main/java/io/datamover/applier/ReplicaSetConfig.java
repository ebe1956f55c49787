package io.datamover.applier;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Names;
import java.util.HashSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a replica set is opened for, validated once: the owning pair, the consistency group, the disks the
 * source declared and how zero ranges are stored.
 *
 * @param devices the block devices the operator mapped disks of this group to, by disk name ({@link
 *     BlockDeviceReplica}); the other disks are sparse files. Not part of the identity ({@link
 *     ReplicaSet#requireOwner})
 */
public record ReplicaSetConfig(String pairId, int cgId, List<DiskInfo> disks, Provisioning provisioning,
        Map<String, Path> devices) {

    /** Every disk a sparse file. */
    public ReplicaSetConfig(String pairId, int cgId, List<DiskInfo> disks, Provisioning provisioning) {
        this(pairId, cgId, disks, provisioning, Map.of());
    }

    public ReplicaSetConfig {
        devices = Map.copyOf(devices);
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
        // Disk names become file names (<name>.img); DiskInfo already holds them to identifiers, which can
        // neither leave the replica directory nor hide.
        for (DiskInfo d : disks) {
            if (!ids.add(d.id()) || !names.add(d.name())) {
                throw new IllegalArgumentException("disk id " + d.id() + " or name " + d.name() + " declared twice");
            }
        }
    }
}
