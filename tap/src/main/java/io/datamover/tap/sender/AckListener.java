package io.datamover.tap.sender;

/** Told when the gateway has made records durable; the tap clears their dirty bits. */
@FunctionalInterface
public interface AckListener {
    /**
     * Every record of {@code cg} up to and including {@code seq} is durable in the gateway's journal.
     * Called on the sender's event loop, with strictly increasing {@code seq}: must not block (hand
     * the work to the bitmap's owner).
     */
    void durable(int cg, long seq);
}
