package io.datamover.tap.export;

import java.util.HashMap;
import java.util.Map;

/**
 * Decides when to tell the operator about a disk whose image's size differs from the one the tap serves, which the
 * tap checks every 30 s: a larger image is grown into at once (Tap#growDisks), so only a growth that failed or a
 * shrink, which is refused, is told, once per size seen, and again after the sizes agreed. One thread (the tap's
 * sweeper).
 */
public final class DiskSizeWatch {
    private final Map<String, Long> told = new HashMap<>();

    /** True when the operator is to hear of {@code disk}, served at {@code servedBytes}, now {@code currentBytes}. */
    public boolean toTell(String disk, long servedBytes, long currentBytes) {
        if (currentBytes == servedBytes) {
            told.remove(disk);
            return false;
        }
        Long before = told.put(disk, currentBytes);
        return before == null || before != currentBytes;
    }
}
