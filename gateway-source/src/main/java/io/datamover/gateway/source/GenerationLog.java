package io.datamover.gateway.source;

import io.datamover.disk.TwoSlotFile;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * <p>Slot layout (version 2), big-endian: magic u32 "DMGN", version u16 = 2, write count u64 (the newer slot has
 * the higher), the history in its wire form, CRC32C u32 of every byte before it; zeros to the slot's end. A file
 * of version 1 (the same without the write count, a single record) is read, and replaced at the next write.
 */
public final class GenerationLog {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationLog.class);
    static final String FILE_NAME = "generations";
    private static final int MAGIC = 0x444D474E; // "DMGN"
    private static final int SINGLE_RECORD_VERSION = 1;
    private static final int VERSION = 2;
    /** Whole sectors, room for the longest history. */
    private static final int SLOT_BYTES = roundUpToSector(4 + 2 + 8 + GenerationHistory.MAX_WIRE_BYTES + 4);

    private final TwoSlotFile<Stored> file;
    private final String cgLabel;
    private volatile Stored stored;

    /** A history and how many times the file was written: the write count tells the newer slot. */
    private record Stored(long writes, GenerationHistory history) {}

    private GenerationLog(TwoSlotFile<Stored> file, String cgLabel, Stored stored) {
        this.file = file;
        this.cgLabel = cgLabel;
        this.stored = stored;
    }

    /**
     * Reads the group's history in {@code directory} and starts a new generation, the current one ending at
     * {@code journalSeq}; a group without one starts its first. Durable before it returns.
     */
    public static GenerationLog openAndStart(Path directory, String cgLabel, long journalSeq) throws IOException {
        TwoSlotFile<Stored> file = new TwoSlotFile<>(directory.resolve(FILE_NAME), FORMAT);
        Stored before = file.read();
        Stored started = before == null ? new Stored(1, GenerationHistory.first())
                : new Stored(before.writes + 1, before.history.next(journalSeq, false));
        file.write(started);
        LOG.info("cg {}: journal at seq {}, {}", cgLabel, journalSeq, started.history);
        return new GenerationLog(file, cgLabel, started);
    }

    /**
     * Writes {@code history} as the group's in {@code directory}, which has none yet, durably: a source that continues
     * another side's history ({@link ReverseSourceGroup}). Its next opening starts a generation after it.
     */
    static void seed(Path directory, GenerationHistory history) throws IOException {
        new TwoSlotFile<>(directory.resolve(FILE_NAME), FORMAT).write(new Stored(1, history));
    }

    /** The history now; from any thread. */
    public GenerationHistory history() {
        return stored.history;
    }

    /**
     * Ends the current generation at {@code endSeq} and starts a new one, durably, then publishes it.
     *
     * @param discardsReplica started by {@code resync --discard replica}
     */
    public synchronized GenerationHistory startNext(long endSeq, boolean discardsReplica) throws IOException {
        Stored next = new Stored(stored.writes + 1, stored.history.next(endSeq, discardsReplica));
        file.write(next);
        stored = next;
        LOG.info("cg {}: {}", cgLabel, next.history);
        return next.history;
    }

    /** The history stored in {@code file}; {@link GenerationHistory#NONE} when there is no file. */
    static GenerationHistory read(Path file) throws IOException {
        Stored stored = new TwoSlotFile<>(file, FORMAT).read();
        return stored == null ? GenerationHistory.NONE : stored.history;
    }

    private static final TwoSlotFile.Format<Stored> FORMAT = new TwoSlotFile.Format<>() {
        @Override
        public int slotBytes() {
            return SLOT_BYTES;
        }

        @Override
        public Stored decode(ByteBuffer slot) {
            ByteBuf in = Unpooled.wrappedBuffer(slot);
            if (in.readableBytes() < 4 + 2 + 4 || in.readInt() != MAGIC) {
                return null;
            }
            int version = in.readUnsignedShort();
            try {
                if (version == SINGLE_RECORD_VERSION) { // the whole file is the record, its CRC at the end
                    int end = in.writerIndex() - 4;
                    GenerationHistory history = crc(in, end) == in.getInt(end)
                            ? whole(in.slice(in.readerIndex(), end - in.readerIndex())) : null;
                    return history == null ? null : new Stored(0, history);
                }
                if (version != VERSION || in.readableBytes() < 8) {
                    return null;
                }
                long writes = in.readLong();
                GenerationHistory history = GenerationHistory.readFrom(in);
                int end = in.readerIndex();
                boolean intact = in.readableBytes() >= 4 && crc(in, end) == in.getInt(end) && !history.isNone();
                return intact ? new Stored(writes, history) : null;
            } catch (ProtocolException | IndexOutOfBoundsException e) {
                return null; // damaged: the CRC would not have matched either
            }
        }

        @Override
        public ByteBuffer encode(Stored stored) {
            ByteBuf out = Unpooled.buffer(4 + 2 + 8 + stored.history.encodedLength() + 4);
            out.writeInt(MAGIC).writeShort(VERSION).writeLong(stored.writes);
            stored.history.writeTo(out);
            out.writeInt(crc(out, out.writerIndex()));
            return out.nioBuffer();
        }

        @Override
        public boolean isNewer(Stored a, Stored b) {
            return a.writes > b.writes;
        }
    };

    /** The history that fills {@code fields} exactly, or null. */
    private static GenerationHistory whole(ByteBuf fields) throws ProtocolException {
        GenerationHistory history = GenerationHistory.readFrom(fields);
        return history.isNone() || fields.isReadable() ? null : history;
    }

    private static int crc(ByteBuf bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.nioBuffer(0, length));
        return (int) crc.getValue();
    }

    private static int roundUpToSector(int bytes) {
        return (bytes + 511) / 512 * 512;
    }
}
