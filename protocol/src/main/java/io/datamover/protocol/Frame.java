package io.datamover.protocol;

/**
 * A decoded frame. Sealed, so a {@code switch} over frames that forgets a new type does not compile.
 * Frames that carry a buffer ({@link WriteRecord}, {@link Batch}) are {@link PayloadHolder}s and
 * must be released by whoever ends up owning them.
 */
public sealed interface Frame permits Hello, HelloAck, WriteRecord, Flush, Ack, Batch, Heartbeat, ErrorFrame,
        ResyncRegions, VerifyRequest, VerifyAnswer, VerifyRepair {
    FrameType type();

    /** Header flag bits of this frame. */
    default int flags() {
        return 0;
    }
}
