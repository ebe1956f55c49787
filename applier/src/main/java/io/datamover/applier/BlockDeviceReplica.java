package io.datamover.applier;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A replica kept on a block device (an LVM logical volume, a loop device) the operator mapped to a disk, instead of a
 * sparse file. The replica set's directory keeps the stamp as for files, and the image's name there
 * ({@code <disk>.img}) becomes a symbolic link to the device: the device holds the disk's bytes only, nothing of
 * ours, and everything that opens the image by its name (rollback, verify) reaches the device. The link is made
 * after the stamp, as an image file is created after it, so a device is never taken over without one.
 */
final class BlockDeviceReplica {
    private BlockDeviceReplica() {}

    /**
     * Links {@code image} to {@code device} (or checks the link already there) and opens it.
     *
     * @throws ReplicaSetException if {@code image} is a file or links elsewhere, the device is not a block device,
     *     or it is smaller than the disk
     */
    static SparseFile open(Path image, Path device, DiskInfo disk) throws IOException {
        link(image, device, disk);
        SparseFile file = SparseFile.openReadWrite(image);
        try {
            if (!file.isBlockDevice()) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, device + ", mapped to disk " + disk.name()
                        + ", is not a block device");
            }
            long size = file.size();
            if (size < disk.sizeBytes()) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, "block device " + device + " has " + size
                        + " bytes, fewer than the " + disk.sizeBytes() + " of disk " + disk.name()
                        + ": map a device of at least that size (lvextend, or a larger loop device)");
            }
            return file;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Refuses an image that links to a device the configuration no longer maps: never write a file beside it. */
    static void refuseUnmappedLink(Path image, DiskInfo disk) throws IOException {
        if (Files.isSymbolicLink(image)) {
            throw new ReplicaSetException(Reason.DISK_MISMATCH, "the replica of disk " + disk.name() + " is "
                    + Files.readSymbolicLink(image) + " (" + image + "), but the configuration maps no device to it: "
                    + "map it again (--replica-map)");
        }
    }

    private static void link(Path image, Path device, DiskInfo disk) throws IOException {
        if (Files.isSymbolicLink(image)) {
            Path linked = Files.readSymbolicLink(image);
            if (!linked.equals(device)) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, "the replica of disk " + disk.name() + " is "
                        + linked + " (" + image + "), but the configuration maps it to " + device
                        + "; change the mapping back, or remove the link to start afresh on the new device");
            }
            return;
        }
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            throw new ReplicaSetException(Reason.DISK_MISMATCH, "the replica of disk " + disk.name() + " is the file "
                    + image + ", but the configuration maps it to " + device + "; move the file away to start "
                    + "afresh on the device");
        }
        Files.createSymbolicLink(image, device);
    }
}
