package io.datamover.protocol;

/**
 * A disk a sender declares in its handshake. Records refer to it by {@code id}. The name is an
 * identifier ({@link Names#requireId}) because the receiving side names files after it (replica
 * images, bitmaps): no separators, no leading dot.
 *
 * <p>Layout: id u32, name (u16 length + UTF-8), sizeBytes u64, blockSizeBytes u32.
 */
public record DiskInfo(int id, String name, long sizeBytes, int blockSizeBytes) {
    public DiskInfo {
        Names.requireId("disk name", name);
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("disk " + name + ": size must be positive, got " + sizeBytes);
        }
        if (blockSizeBytes < Wire.MIN_BLOCK_SIZE || blockSizeBytes > Wire.MAX_BLOCK_SIZE
                || Integer.bitCount(blockSizeBytes) != 1) {
            throw new IllegalArgumentException("disk " + name + ": block size must be a power of two in ["
                    + Wire.MIN_BLOCK_SIZE + ", " + Wire.MAX_BLOCK_SIZE + "], got " + blockSizeBytes);
        }
    }
}
