package io.datamover.protocol;

/**
 * Bounds a decoder enforces before it reads or allocates anything a peer claims.
 *
 * @param maxPayloadBytes largest frame payload accepted (the header's length field)
 * @param maxBatchBytes largest uncompressed batch body accepted (checked before decompressing)
 */
public record FrameLimits(int maxPayloadBytes, int maxBatchBytes) {
    /** Room for a maximal write plus its record fields, and batches of up to 64 MiB. */
    public static final FrameLimits DEFAULT = new FrameLimits(64 * 1024 * 1024, 64 * 1024 * 1024);

    public FrameLimits {
        if (maxPayloadBytes < 1024 || maxPayloadBytes > Wire.MAX_PAYLOAD_BYTES_CEILING) {
            throw new IllegalArgumentException("maxPayloadBytes must be in [1024, "
                    + Wire.MAX_PAYLOAD_BYTES_CEILING + "], got " + maxPayloadBytes);
        }
        if (maxBatchBytes < 1024 || maxBatchBytes > Wire.MAX_PAYLOAD_BYTES_CEILING) {
            throw new IllegalArgumentException("maxBatchBytes must be in [1024, "
                    + Wire.MAX_PAYLOAD_BYTES_CEILING + "], got " + maxBatchBytes);
        }
    }
}
