package io.datamover.gateway.source;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Keeps a {@link CgIdentity} in {@code cg.properties} beside the journal, as text an operator can read. Written
 * once, atomically, at first contact.
 */
final class CgIdentityFile {
    static final String FILE_NAME = "cg.properties";
    /** Absent in the files of builds before it: no request. */
    private static final String THICK_REPLICA = "thickReplica";

    private CgIdentityFile() {}

    static Optional<CgIdentity> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        try {
            int diskCount = Integer.parseInt(required(p, "disks", file));
            List<DiskInfo> disks = new ArrayList<>(diskCount);
            for (int i = 0; i < diskCount; i++) {
                String prefix = "disk." + i + ".";
                disks.add(new DiskInfo(Integer.parseInt(required(p, prefix + "id", file)),
                        required(p, prefix + "name", file),
                        Long.parseLong(required(p, prefix + "size", file)),
                        Integer.parseInt(required(p, prefix + "blockSize", file))));
            }
            return Optional.of(new CgIdentity(required(p, "pair", file),
                    Integer.parseUnsignedInt(required(p, "cg", file)), required(p, "cgName", file), disks,
                    Boolean.parseBoolean(p.getProperty(THICK_REPLICA, "false"))));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    static void write(Path directory, CgIdentity identity) throws IOException {
        Properties p = new Properties();
        p.setProperty("pair", identity.pairId());
        p.setProperty("cg", identity.cgLabel());
        p.setProperty("cgName", identity.cgName());
        p.setProperty("disks", Integer.toString(identity.disks().size()));
        if (identity.thickReplica()) {
            p.setProperty(THICK_REPLICA, "true");
        }
        for (int i = 0; i < identity.disks().size(); i++) {
            DiskInfo d = identity.disks().get(i);
            String prefix = "disk." + i + ".";
            p.setProperty(prefix + "id", Integer.toString(d.id()));
            p.setProperty(prefix + "name", d.name());
            p.setProperty(prefix + "size", Long.toString(d.sizeBytes()));
            p.setProperty(prefix + "blockSize", Integer.toString(d.blockSizeBytes()));
        }
        StringWriter text = new StringWriter();
        p.store(text, "datamover source gateway: the consistency group this journal belongs to");
        DurableFiles.replace(directory.resolve(FILE_NAME),
                ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String required(Properties p, String key, Path file) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key + " in " + file);
        }
        return value;
    }
}
