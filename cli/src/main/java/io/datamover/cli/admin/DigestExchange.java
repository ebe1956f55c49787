package io.datamover.cli.admin;

import io.datamover.disk.compare.RegionDigests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin exchange of an online verify's region digests ({@code POST /verify/digests} on the tap and on the target
 * gateway): the request's parameters, and the answer as text, {@code name value} lines then one hex digest a line.
 */
public final class DigestExchange {
    public static final String DIGESTS = "/verify/digests";

    /** Which regions: disk {@code disk}, {@code count} regions of {@code regionBytes} from {@code offset}. */
    public record Request(String disk, long offset, int regionBytes, int count) {
        /** As query parameters, after {@code cg=N}. */
        public String query() {
            return "&disk=" + disk + "&offset=" + offset + "&regionSize=" + regionBytes + "&count=" + count;
        }
    }

    /** A parsed answer: its named values and the digests in region order. */
    public record Answer(Map<String, String> fields, List<String> digests) {
        public long number(String name) {
            String value = fields.get(name);
            if (value == null) {
                throw new IllegalArgumentException("the answer has no " + name + ": " + fields);
            }
            return Long.parseLong(value);
        }
    }

    private DigestExchange() {
    }

    /** The request in {@code parameters}; throws {@link IllegalArgumentException} saying what is missing or wrong. */
    static Request request(Map<String, String> parameters) {
        String disk = parameters.get("disk");
        if (disk == null || disk.isEmpty()) {
            throw new IllegalArgumentException("needs disk=NAME");
        }
        try {
            return new Request(disk, Long.parseLong(parameters.getOrDefault("offset", "")),
                    Integer.parseInt(parameters.getOrDefault("regionSize", "")),
                    Integer.parseInt(parameters.getOrDefault("count", "")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("needs offset=BYTES, regionSize=BYTES and count=N: " + e.getMessage());
        }
    }

    /** The answer's text: {@code fields} in order, then the digests. */
    static String format(Map<String, Object> fields, RegionDigests.Span span) {
        StringBuilder text = new StringBuilder();
        fields.forEach((name, value) -> text.append(name).append(' ').append(value).append('\n'));
        text.append("bytes-read ").append(span.bytesRead()).append('\n');
        span.digests().forEach(digest -> text.append(digest).append('\n'));
        return text.toString();
    }

    /** Parses what {@link #format} wrote. */
    public static Answer parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> digests = new ArrayList<>();
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                fields.put(line.substring(0, space), line.substring(space + 1));
            } else if (!line.isEmpty()) {
                digests.add(line);
            }
        }
        return new Answer(fields, digests);
    }
}
