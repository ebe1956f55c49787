package io.datamover.cli.admin;

import java.util.Map;

/**
 * The RPO objective of each consistency group, in seconds: {@code perGroup} where given, else {@code defaultSeconds};
 * 0 means none.
 */
public record RpoObjectives(double defaultSeconds, Map<Integer, Double> perGroup) {
    public static final RpoObjectives NONE = new RpoObjectives(0, Map.of());

    public RpoObjectives {
        perGroup = Map.copyOf(perGroup);
        if (!(defaultSeconds >= 0) || perGroup.values().stream().anyMatch(s -> !(s >= 0))) {
            throw new IllegalArgumentException("an RPO objective is a number of seconds >= 0 (0: none)");
        }
    }

    /** The objective of group {@code cgId}, 0 when it has none. */
    public double secondsFor(int cgId) {
        return perGroup.getOrDefault(cgId, defaultSeconds);
    }
}
