package io.datamover.applier;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The text form of an operation's record beside a replica set's stamp ({@link FailoverRecord}, {@link FailbackRecord}):
 * one {@code key=value} a line, replaced atomically ({@link DurableFiles#replace}), so a crash leaves the old record
 * or the new one.
 */
final class RecordText {
    private RecordText() {}

    /** The fields of {@code file}, or empty when it does not exist. */
    static Optional<Map<String, String>> read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return Optional.of(fields);
    }

    /** Replaces {@code file} with {@code fields}, in their order, durably. */
    static void write(Path file, Map<String, ?> fields) throws IOException {
        StringBuilder text = new StringBuilder();
        fields.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        DurableFiles.replace(file, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
