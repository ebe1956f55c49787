package io.datamover.tap.export;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Notices a disk whose image changed size while the tap serves it. The tap serves and replicates the size it found at
 * start (NBD has no resize notification, and the handshakes carry the size), so a larger image is taken only at the
 * next start of the tap, and a smaller one will fail the guests' writes past its end: either way the operator is told
 * once per size seen. One thread (the tap's sweeper).
 */
public final class DiskSizeWatch {
    private final Map<String, Long> told = new HashMap<>();

    /** What to tell the operator about {@code disk}, served at {@code servedBytes}, now {@code currentBytes}. */
    public Optional<String> check(String disk, long servedBytes, long currentBytes) {
        if (currentBytes == servedBytes) {
            told.remove(disk);
            return Optional.empty();
        }
        Long before = told.put(disk, currentBytes);
        if (before != null && before == currentBytes) {
            return Optional.empty();
        }
        if (currentBytes > servedBytes) {
            return Optional.of("disk " + disk + " grew from " + servedBytes + " to " + currentBytes + " bytes while"
                    + " the tap serves it: the guests and the replica keep " + servedBytes + " bytes until the tap is"
                    + " restarted, which grows the replica with it (no full resync)");
        }
        return Optional.of("disk " + disk + " shrank from " + servedBytes + " to " + currentBytes + " bytes under the"
                + " tap: writes past the new end fail, and a restart is refused (shrinking a protected disk is"
                + " refused); give the disk its size back");
    }
}
