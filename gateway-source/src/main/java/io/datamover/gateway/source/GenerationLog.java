package io.datamover.gateway.source;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consistency group's generation history at the source gateway (docs/protocol.md, "Generations"), kept in
 * {@code generations} beside the group's journal, so a copy of the data directory carries the history of its
 * journal. Every change is durable before anyone sees it ({@link DurableFiles#replace}).
 *
 * <p>Each opening of the group starts a new generation (the one before ends at the journal's highest seq): a data
 * directory restored from an older copy then cannot continue a generation the target holds more of, even once its
 * journal has grown past the target's seq. A refusal as DIVERGED starts one too, for the same reason.
 *
 * <p>Layout, big-endian: magic u32 "DMGN", version u16, the history in its wire form, CRC32C u32 of every byte
 * before it.
 */
public final class GenerationLog {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationLog.class);
    static final String FILE_NAME = "generations";
    private static final int MAGIC = 0x444D474E; // "DMGN"
    private static final int VERSION = 1;
    /** A larger file is not ours. */
    private static final int MAX_FILE_BYTES = 4 + 2 + GenerationHistory.MAX_WIRE_BYTES + 4;

    private final Path file;
    private final String cgLabel;
    private volatile GenerationHistory history;

    private GenerationLog(Path file, String cgLabel, GenerationHistory history) {
        this.file = file;
        this.cgLabel = cgLabel;
        this.history = history;
    }

    /**
     * Reads the group's history in {@code directory} and starts a new generation, the current one ending at
     * {@code journalSeq}; a group without one starts its first. Durable before it returns.
     */
    public static GenerationLog openAndStart(Path directory, String cgLabel, long journalSeq) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        GenerationHistory stored = read(file);
        GenerationHistory started = stored.isNone() ? GenerationHistory.first() : stored.next(journalSeq, false);
        write(file, started);
        LOG.info("cg {}: journal at seq {}, {}", cgLabel, journalSeq, started);
        return new GenerationLog(file, cgLabel, started);
    }

    /** The history now; from any thread. */
    public GenerationHistory history() {
        return history;
    }

    /**
     * Ends the current generation at {@code endSeq} and starts a new one, durably, then publishes it.
     *
     * @param discardsReplica started by {@code resync --discard replica}
     */
    public synchronized GenerationHistory startNext(long endSeq, boolean discardsReplica) throws IOException {
        GenerationHistory next = history.next(endSeq, discardsReplica);
        write(file, next);
        history = next;
        LOG.info("cg {}: {}", cgLabel, next);
        return next;
    }

    /** The history stored in {@code file}; {@link GenerationHistory#NONE} when there is no file. */
    static GenerationHistory read(Path file) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IOException(file + " is larger than a generation history can be: not ours");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return GenerationHistory.NONE;
        }
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        if (bytes.length < 4 + 2 + 4 || in.readInt() != MAGIC) {
            throw new IOException(file + " is not a generation history (no magic)");
        }
        int version = in.readUnsignedShort();
        if (version != VERSION) {
            throw new IOException(file + " has format version " + version + ", this build reads " + VERSION);
        }
        if (crc(bytes, bytes.length - 4) != in.getInt(bytes.length - 4)) {
            throw new IOException(file + " is damaged (CRC32C mismatch)");
        }
        try {
            ByteBuf fields = in.slice(in.readerIndex(), bytes.length - 4 - in.readerIndex());
            GenerationHistory history = GenerationHistory.readFrom(fields);
            if (history.isNone() || fields.isReadable()) {
                throw new IOException(file + " holds no current generation, or more than a history");
            }
            return history;
        } catch (ProtocolException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static void write(Path file, GenerationHistory history) throws IOException {
        ByteBuf out = Unpooled.buffer(4 + 2 + history.encodedLength() + 4);
        out.writeInt(MAGIC).writeShort(VERSION);
        history.writeTo(out);
        out.writeInt(crc(out.array(), out.writerIndex()));
        DurableFiles.replace(file, out.nioBuffer());
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
