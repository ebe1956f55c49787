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
import java.util.function.Function;

/**
 * The text form of an operation's record beside a replica set's stamp ({@link FailoverRecord}, {@link FailbackRecord}):
 * one {@code key=value} a line, replaced atomically ({@link DurableFiles#replace}), so a crash leaves the old record
 * or the new one.
 */
final class RecordText {
    private RecordText() {}

    /**
     * The record in {@code file}, made by {@code parse} from its fields, or empty when there is no file.
     *
     * @throws ReplicaSetException the file is not such a record ({@code what})
     */
    static <T> Optional<T> read(Path file, String what, Function<Map<String, String>, T> parse) throws IOException {
        Optional<Map<String, String>> fields = fields(file);
        try {
            return fields.map(parse);
        } catch (RuntimeException e) {
            throw new ReplicaSetException(ReplicaSetException.Reason.CORRUPT_METADATA, file + " is not " + what + ": "
                    + e, e);
        }
    }

    private static Optional<Map<String, String>> fields(Path file) throws IOException {
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
