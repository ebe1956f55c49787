package io.datamover.cli.admin;

import java.util.Map;

/**
 * What a daemon does on its admin port's {@code POST} requests (a {@code GET} only reads): for the source gateway,
 * {@code POST /resync?cg=N&discard=replica} ({@code datamover resync}); for the tap, {@code POST /pause?cg=N} and
 * {@code /resume?cg=N} ({@link TapActions}). Called on an admin thread.
 */
@FunctionalInterface
public interface AdminActions {
    /** A daemon without actions: every POST is 404. */
    AdminActions NONE = (path, parameters) -> null;

    /** The HTTP status and the text for the operator. */
    record Answer(int status, String text) {}

    /** The answer to {@code POST path?parameters}, or null when this daemon has no such action (404). */
    Answer post(String path, Map<String, String> parameters);

    /** The {@code cg} parameter as a consistency group id, or null when it is missing or not one. */
    static Integer consistencyGroup(Map<String, String> parameters) {
        try {
            return Integer.parseUnsignedInt(parameters.getOrDefault("cg", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
