package io.datamover.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One consistency group's scalar fields in a daemon's {@code GET /status} JSON ({@code StatusJson}'s flat group
 * object, read up to its {@code disks}), for the commands that decide on another daemon's status ({@code migrate}).
 */
final class GroupStatusFields {
    private final String group;

    private GroupStatusFields(String group) {
        this.group = group;
    }

    /** Group {@code cg} of {@code json}, or empty when the daemon reports no such group. */
    static Optional<GroupStatusFields> of(String json, long cg) {
        int start = json.indexOf("{\"cg\":\"" + cg + "\"");
        if (start < 0) {
            return Optional.empty();
        }
        int end = json.indexOf("\"disks\":[", start);
        return Optional.of(new GroupStatusFields(json.substring(start, end < 0 ? json.length() : end)));
    }

    /** A string field, or null when absent or JSON null. */
    String text(String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(group);
        return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : null;
    }

    /** A number field, or null when absent or JSON null. */
    Double number(String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(-?[0-9.]+)").matcher(group);
        return m.find() ? Double.valueOf(m.group(1)) : null;
    }

    /** A whole-number field, or -1 when absent or JSON null. */
    long integer(String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(-?[0-9]+)[,}]").matcher(group);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
