package io.datamover.applier;

/** A rehearsal may not start now: nothing was changed. The message says why. */
public final class RehearsalRefusedException extends Exception {
    public RehearsalRefusedException(String message) {
        super(message);
    }
}
