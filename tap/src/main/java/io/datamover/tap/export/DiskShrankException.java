package io.datamover.tap.export;

import java.io.IOException;

/**
 * A protected disk's image is smaller than the tap serves it: shrinking is refused (the replica would lose data the
 * source may still need), nothing is changed, and the operator is told what to do.
 */
public final class DiskShrankException extends IOException {
    public DiskShrankException(String disk, long servedBytes, long currentBytes) {
        super(describe(disk, servedBytes, currentBytes));
    }

    /** What the operator reads: the disk, both sizes, the refusal and the remedy. */
    public static String describe(String disk, long servedBytes, long currentBytes) {
        return "disk " + disk + " shrank from " + servedBytes + " to " + currentBytes + " bytes under the tap:"
                + " shrinking a protected disk is refused (its replica would lose data the source may still need);"
                + " give the disk its size back";
    }
}
