package io.datamover.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many regions one side of a split brain changed since the two histories' common point (docs/operations.md,
 * "Split brain"), for status and metrics, and how far the figure can be trusted.
 *
 * <p>The recovery site's target gateway puts its own figure and the promoted seq in its DIVERGED refusal (the only
 * thing the original site hears from it); {@link #describe}, {@link #promotedSeqIn} and {@link #recoveryIn} are the
 * one place that writes and reads those fragments of the message.
 *
 * @param regions regions of {@code regionBytes} that hold a change
 * @param regionBytes the size of a region
 * @param bound whether {@code regions} is exact or bounds the true count
 */
public record SplitBrainRegions(long regions, long regionBytes, Bound bound) {
    /** How {@link #regions} relates to the regions the side really changed. */
    public enum Bound {
        /** Every change counted, each once. */
        EXACT,
        /** Some regions counted may hold no change (a bitmap marks regions ahead of the writes). */
        UPPER_BOUND,
        /** Some changes may be missing (records the journal released, writes only a tap's bitmap holds). */
        LOWER_BOUND;

        String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    private static final String RECOVERY_PREFIX = "the recovery site changed ";
    private static final Pattern PROMOTED_SEQ = Pattern.compile("records past seq (\\d+), where this site was failed"
            + " over");
    private static final Pattern RECOVERY = Pattern.compile(Pattern.quote(RECOVERY_PREFIX)
            + "(\\d+) regions of (\\d+) bytes \\((exact|upper bound|lower bound)\\)");

    public SplitBrainRegions {
        if (regions < 0 || regionBytes <= 0) {
            throw new IllegalArgumentException("regions " + regions + " of " + regionBytes + " bytes");
        }
    }

    /** "17 regions of 65536 bytes (upper bound)". */
    public String describe() {
        return regions + " regions of " + regionBytes + " bytes (" + bound.text() + ")";
    }

    /** The fragment of a refusal that carries the recovery site's figure, read back by {@link #recoveryIn}. */
    public String asRecoverySite() {
        return RECOVERY_PREFIX + describe();
    }

    /** The fragment of a refusal that names the promoted seq, read back by {@link #promotedSeqIn}. */
    public static String promotedSeqFragment(long records, long promotedSeq) {
        return records + " records past seq " + promotedSeq + ", where this site was failed over";
    }

    /** The seq the recovery site was promoted at, as its split-brain refusal {@code message} says; empty if none. */
    public static OptionalLong promotedSeqIn(String message) {
        Matcher m = message == null ? null : PROMOTED_SEQ.matcher(message);
        return m != null && m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The recovery site's figure in its split-brain refusal {@code message}; empty when it did not know it. */
    public static Optional<SplitBrainRegions> recoveryIn(String message) {
        Matcher m = message == null ? null : RECOVERY.matcher(message);
        if (m == null || !m.find()) {
            return Optional.empty();
        }
        Bound bound = Bound.valueOf(m.group(3).toUpperCase(Locale.ROOT).replace(' ', '_'));
        return Optional.of(new SplitBrainRegions(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), bound));
    }
}
