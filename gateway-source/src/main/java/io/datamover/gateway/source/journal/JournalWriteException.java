package io.datamover.gateway.source.journal;

import io.datamover.disk.DiskIOException;
import java.io.IOException;

/**
 * An append could not be stored because the journal's disk is full (ENOSPC) or failed (EIO). Nothing of the
 * record is in the journal and nothing counts it; what was appended before stays, and later appends may succeed
 * once the cause is gone.
 */
public final class JournalWriteException extends Exception {
    private final boolean outOfSpace;

    JournalWriteException(String message, Throwable cause) {
        super(message + ": " + describe(cause), cause);
        this.outOfSpace = isOutOfSpace(cause);
    }

    /** The disk is full ({@code outOfSpace}) or failing, as the journal found out before trying. */
    JournalWriteException(String message, boolean outOfSpace) {
        super(message);
        this.outOfSpace = outOfSpace;
    }

    /** True when the disk is full (ENOSPC, quota), false for an I/O error. */
    public boolean outOfSpace() {
        return outOfSpace;
    }

    private static String describe(Throwable cause) {
        Throwable root = cause.getCause() instanceof IOException io ? io : cause;
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static boolean isOutOfSpace(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof DiskIOException d && d.isOutOfSpace()
                    || t instanceof IOException && String.valueOf(t.getMessage()).contains("No space left on device")) {
                return true; // FileChannel says so only in its message
            }
        }
        return false;
    }
}
