package io.datamover.tap.sender;

import io.datamover.protocol.ResyncRegions;

/** Told when the gateway has made records durable, and when its target applied them; the tap clears their dirty bits. */
@FunctionalInterface
public interface AckListener {
    /**
     * Every record of {@code cg} up to and including {@code seq} is durable in the gateway's journal.
     * Called on the sender's event loop, with strictly increasing {@code seq}: must not block (hand
     * the work to the bitmap's owner).
     */
    void durable(int cg, long seq);

    /**
     * The gateway now holds {@code cg} only up to {@code heldSeq}, less than it acknowledged durable before: the dirty
     * bits of the records after it were cleared and nothing says which regions they wrote, so every region must be
     * marked dirty. Called on the event loop under the sender's lock, before the connection can carry a record: set
     * the bits in memory only (a resync must see them) and make them durable on another thread.
     */
    default void acknowledgedLost(int cg, long heldSeq) {
    }

    /**
     * As {@link #acknowledgedLost(int, long)}; with {@code unappliedTracked}, every connection whose DURABLE acks were
     * trusted forwarded the target's applied seq, so the tap kept the bits of what was not applied: only those regions
     * (and the writes not acknowledged) need the resync, not every region.
     */
    default void acknowledgedLost(int cg, long heldSeq, boolean unappliedTracked) {
        acknowledgedLost(cg, heldSeq);
    }

    /**
     * A connection was handshaken: with {@code hold}, the gateway forwards its target's applied seq ({@link #applied})
     * and the tap keeps a region's bit until the target applied its writes; without, DURABLE clears it. Called on the
     * event loop under the sender's lock, before any ack of that connection: must not block.
     */
    default void holdUntilApplied(int cg, boolean hold) {
    }

    /**
     * The gateway's target has applied every record of {@code cg} up to {@code seq} (never beyond what was
     * acknowledged durable). Called on the event loop, with increasing {@code seq} in one seq space: must not block.
     */
    default void applied(int cg, long seq) {
    }

    /**
     * The gateway asks for a resync of the whole disks (RESYNC_REQUIRED: an operator discarded the replica's data):
     * every region must be marked dirty. Called as {@link #acknowledgedLost}, under the sender's lock.
     */
    default void resyncRequested(int cg) {
    }

    /**
     * The gateway asks for a resync of {@code regions} only (RESYNC_REGIONS before the RESYNC_REQUIRED); when null or
     * {@link ResyncRegions#everything}, of the whole disks ({@link #resyncRequested(int)}). Called as that one.
     */
    default void resyncRequested(int cg, ResyncRegions regions) {
        resyncRequested(cg);
    }
}
