package io.datamover.protocol;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Validation of the identifiers and names that travel in handshakes. */
public final class Names {
    /** Pair and sender identities: safe in file names, logs and metric tags. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    private Names() {}

    /** An identity: 1 to {@link Wire#MAX_ID_BYTES} characters of {@code [A-Za-z0-9._:-]}, starting alphanumeric. */
    public static String requireId(String field, String value) {
        if (value == null || value.length() > Wire.MAX_ID_BYTES || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be 1 to " + Wire.MAX_ID_BYTES
                    + " characters of [A-Za-z0-9._:-] starting with a letter or digit, got " + quoted(value));
        }
        return value;
    }

    /** A display name: 1 to {@code maxBytes} UTF-8 bytes, no control characters. */
    public static String requireName(String field, String value, int maxBytes) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new IllegalArgumentException(field + " is longer than " + maxBytes + " UTF-8 bytes");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(field + " contains a control character");
        }
        return value;
    }

    private static String quoted(String value) {
        if (value == null) {
            return "null";
        }
        return "'" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'";
    }
}
