package io.datamover.gateway.source.journal;

import io.datamover.protocol.FrameLimits;
import java.nio.file.Path;

/**
 * Configuration of one consistency group's journal, validated once here.
 *
 * @param directory the journal's own directory (one per consistency group)
 * @param maxBytes bound on retained entry bytes; an append that would exceed it is refused with
 *     {@link AppendResult#FULL}
 * @param rollCycle time covered by one cycle file, the granularity at which space is freed
 * @param frameLimits bounds applied when entries are decoded back (recovery, shipping)
 */
public record JournalConfig(Path directory, long maxBytes, JournalRollCycle rollCycle, FrameLimits frameLimits) {
    /** Smallest accepted bound: room for a few records, enough for tests. */
    public static final long MIN_MAX_BYTES = 4096;

    public JournalConfig {
        if (directory == null || rollCycle == null || frameLimits == null) {
            throw new IllegalArgumentException("directory, rollCycle and frameLimits are required");
        }
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES + ", got " + maxBytes);
        }
    }

    /** A journal in {@code directory} bounded by {@code maxBytes}, five-minute cycle files, default frame limits. */
    public static JournalConfig of(Path directory, long maxBytes) {
        return new JournalConfig(directory, maxBytes, JournalRollCycle.FIVE_MINUTELY, FrameLimits.DEFAULT);
    }
}
