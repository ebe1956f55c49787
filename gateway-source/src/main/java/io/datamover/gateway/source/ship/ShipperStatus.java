package io.datamover.gateway.source.ship;

import io.datamover.protocol.SplitBrainRegions;

/**
 * A consistent-enough snapshot of one consistency group's shipping, for status and the RPO
 * harness. Seqs: {@code durableSeq} is the highest in the source journal (acknowledged to the
 * tap), {@code shippedSeq} the highest the target holds durably, {@code appliedSeq} the highest
 * it applied.
 *
 * @param connected a connection to the target is up and handshaken
 * @param lagRecords records durable at the source and not yet applied at the target
 * @param lagBytes bytes of those records (journal entries not released, plus bodies not applied)
 * @param rpoSeconds age of the oldest record durable at the source that the target has not applied
 * @param oldestUnappliedMicros tap time of that record, or {@link Long#MAX_VALUE} when none is known
 * @param compressionRatio body bytes before compression over bytes sent (1 when nothing shipped)
 * @param lastError the latest error on the link to the target ({@code CODE (origin)}), or null when none
 * @param generationRefusal why the target and this source refuse each other as DIVERGED or UNRELATED (their
 *     generation histories disagree; nothing is shipped until an operator resolves it), or null
 * @param generation this source's current generation id for the group (docs/security.md, "Generations")
 * @param changedSincePromote while the target refuses this source as a split brain: the regions the journal holds
 *     changes of past the seq the target was promoted at (docs/operations.md, "Split brain"); null otherwise
 */
public record ShipperStatus(boolean connected, long durableSeq, long shippedSeq, long appliedSeq, long lagRecords,
        long lagBytes, double rpoSeconds, long oldestUnappliedMicros, int batchesInFlight, long bytesInFlight,
        long batchesShipped, long recordsShipped, long bodyBytesShipped, long wireBytesOut, double compressionRatio,
        long coalescedRecords, long coalescedBytes, String lastError, String generationRefusal,
        long generation, SplitBrainRegions changedSincePromote) {

    /** True while the target and this source refuse each other as DIVERGED or UNRELATED. */
    public boolean diverged() {
        return generationRefusal != null;
    }
}
