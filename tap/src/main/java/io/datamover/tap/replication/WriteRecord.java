package io.datamover.tap.replication;

import io.datamover.protocol.RecordKind;
import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * One intercepted write, as handed to the {@link ReplicationSink}.
 *
 * @param consistencyGroup the consistency group (one tap = one group)
 * @param seq gap-free, strictly increasing within the group; records reach the sink in this order
 * @param disk index of the disk within the group, as configured
 * @param offset byte offset on the disk
 * @param length bytes covered; for DATA also the payload size
 * @param kind DATA, ZERO (write zeroes) or TRIM
 * @param payload the written bytes for DATA (a retained slice: see {@link ReplicationSink#offer} for ownership);
 *     an empty buffer for ZERO and TRIM
 * @param sourceTimeMicros when the tap ordered the write, microseconds since the epoch
 */
public record WriteRecord(long consistencyGroup, long seq, int disk, long offset, int length, RecordKind kind,
        ByteBuf payload, long sourceTimeMicros) {

    public WriteRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
        if (kind.hasPayload() && payload.readableBytes() != length) {
            throw new IllegalArgumentException("DATA payload has " + payload.readableBytes() + " bytes, length " + length);
        }
        if (!kind.hasPayload() && payload.isReadable()) {
            throw new IllegalArgumentException(kind + " carries no payload");
        }
    }
}
