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

    /**
     * Until the handshake is accepted: room for the largest HELLO ({@link Hello#MAX_BODY_BYTES}, about 37 KiB) and
     * nothing bigger, so a peer that has not been accepted cannot make a gateway buffer more (frames before the
     * handshake are HELLO, HELLO_ACK and ERROR, all small; a batch body is bounded to the minimum).
     */
    public static final FrameLimits HANDSHAKE = new FrameLimits(Hello.MAX_BODY_BYTES, 1024);

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
