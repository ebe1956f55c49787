package io.datamover.applier;

import java.util.Locale;

/**
 * What the target does when a resync would pass the bound of its undo log ({@code --undo-max}), the log that keeps the
 * last consistent image while the replicas are INCONSISTENT ({@code --undo-full}).
 */
public enum UndoFullPolicy {
    /**
     * Refuse the batch (UNDO_LOG_FULL) and stop applying the group: the batch waits in the spool and the consistent
     * image stays recoverable until the operator raises the bound and restarts, or rolls back. The default.
     */
    STOP,
    /**
     * Drop the undo log, with a WARN and {@code datamover_applier_undo_abandoned_total}, and go on applying: the resync
     * ends, but until it does the group has no consistent image to roll back or fail over to.
     */
    CONTINUE;

    /** The option's value, {@code stop} or {@code continue}, in any case. */
    public static UndoFullPolicy parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--undo-full must be stop or continue, not '" + value + "'");
        }
    }
}
