package io.datamover.applier;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The sizes a replica set's images are being grown to ({@code growing} beside the stamp), written durably before the
 * first image grows and deleted once the stamp records them. An image larger than its stamp says is then known
 * apart: one a crash caught in a growth (the size this names) is cut back, any other is refused as before.
 */
final class GrowthIntent {
    static final String FILE_NAME = "growing";

    private GrowthIntent() {}

    static void write(Path directory, List<DiskInfo> grown) throws IOException {
        StringBuilder text = new StringBuilder("# datamover: replicas being grown to these sizes (bytes)\n");
        grown.forEach(d -> text.append(d.name()).append('=').append(d.sizeBytes()).append('\n'));
        DurableFiles.replace(directory.resolve(FILE_NAME),
                ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The sizes by disk name; empty when no growth was under way. */
    static Map<String, Long> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Map.of();
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        Map<String, Long> sizes = new HashMap<>();
        try {
            p.stringPropertyNames().forEach(name -> sizes.put(name, Long.parseLong(p.getProperty(name))));
        } catch (NumberFormatException e) {
            return Map.of(); // torn by a crash while written: no image was grown after it
        }
        return sizes;
    }

    static void delete(Path directory) throws IOException {
        if (Files.deleteIfExists(directory.resolve(FILE_NAME))) {
            DurableFiles.forceDirectory(directory);
        }
    }
}
