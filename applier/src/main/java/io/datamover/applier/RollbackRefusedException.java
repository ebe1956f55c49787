package io.datamover.applier;

import java.io.IOException;

/** A rollback has nothing to roll back to, or may not run: nothing was changed. The message says why. */
public final class RollbackRefusedException extends IOException {
    public RollbackRefusedException(String message) {
        super(message);
    }
}
