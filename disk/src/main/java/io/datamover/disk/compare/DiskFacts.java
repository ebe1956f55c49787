package io.datamover.disk.compare;

import java.nio.file.Path;

/**
 * What a comparison learned about one disk without reading it.
 *
 * @param path the file or block device
 * @param sizeBytes its size, holes included
 * @param allocatedBytes bytes the file system allocated to it (st_blocks * 512); for a block device, which has no
 *        holes the file system could tell about, its whole size
 * @param blockDevice true for a block device
 */
public record DiskFacts(Path path, long sizeBytes, long allocatedBytes, boolean blockDevice) {
}
