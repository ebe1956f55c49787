package io.datamover.bench;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Figures read from fio's {@code --output-format=json}, without a JSON library for two numbers. */
public final class FioOutput {
    private FioOutput() {}

    /** A numeric field of the first job's {@code "write"} section, e.g. {@code bw_bytes} or {@code io_bytes}. */
    public static long writeField(String json, String field) throws IOException {
        Matcher m = Pattern.compile("\"write\"\\s*:\\s*\\{.*?\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)",
                Pattern.DOTALL).matcher(json);
        if (!m.find()) {
            throw new IOException("no write " + field + " in fio's output: " + json);
        }
        return Long.parseLong(m.group(1));
    }
}
