package io.datamover.gateway.source.receiver;

import io.datamover.protocol.Frame;
import io.datamover.protocol.ResyncRegions;

import io.datamover.protocol.ProtocolException;

/** The connected tap as the journal's owner thread sees it; every method may be called from any thread. */
public interface TapLink {
    /**
     * The gateway takes this tap as the group's leader under {@code epoch} (0: not coordinated): its HELLO_ACK says so
     * to a tap that offered {@code LEADER_EPOCH}. Called before the tap's journal writer is handed over.
     */
    default void leadsUnder(long epoch) {
    }

    /** Every record up to {@code seq} is durable in the journal. */
    void acknowledgeDurable(long seq);

    /**
     * The target has applied every record up to {@code seq} (the shipper's word, from the target's APPLIED acks and
     * heartbeats): forwarded to a tap that agreed {@code APPLIED_ACKS}, never above what it was acknowledged DURABLE.
     */
    default void acknowledgeApplied(long seq) {
    }

    /** Tells the tap why its records are no longer taken (JOURNAL_FULL, a storage failure) and closes. */
    void refuse(ProtocolException why);

    /**
     * Sends what the tap is to resync (RESYNC_REGIONS); the ERROR RESYNC_REQUIRED that follows it ({@link #refuse},
     * or the refusal of the tap's HELLO) asks for the resync.
     */
    void resyncRegions(ResyncRegions regions);

    /** Sends an online-verify request (VERIFY_REQUEST, VERIFY_REPAIR) to the tap; false when it is not connected. */
    boolean sendVerify(Frame request);

    /** The journal's queue has room again: read from the tap again. */
    void resumeReading();

    /** True while the tap's operator has its replication paused, as its last HEARTBEAT said; for status. */
    default boolean paused() {
        return false;
    }
}
