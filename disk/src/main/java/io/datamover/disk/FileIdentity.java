package io.datamover.disk;

import java.time.Instant;

/**
 * What tells a disk image apart from any other, and stays the same across restarts of the process and of the host:
 * for a file, its inode number and birth time (zero when the file system records none); for a block device, its
 * device number. Not the file system's device number: a remount or a reboot may change it (btrfs, device mapper).
 * A file copied, restored or re-created gets another identity even at the same path, as its content may differ.
 *
 * @param inode the file's inode number; 0 for a block device
 * @param birthSeconds the file's birth time, seconds since the epoch; 0 when unknown or a block device
 * @param birthNanos the nanoseconds of the birth time
 * @param deviceMajor a block device's major number; 0 for a file
 * @param deviceMinor a block device's minor number; 0 for a file
 */
public record FileIdentity(long inode, long birthSeconds, int birthNanos, int deviceMajor, int deviceMinor) {

    @Override
    public String toString() {
        if (inode == 0) {
            return "block device " + Integer.toUnsignedString(deviceMajor) + ":"
                    + Integer.toUnsignedString(deviceMinor);
        }
        return "inode " + Long.toUnsignedString(inode) + (birthSeconds == 0 && birthNanos == 0 ? ""
                : " created " + Instant.ofEpochSecond(birthSeconds, Integer.toUnsignedLong(birthNanos)));
    }
}
