package io.datamover.applier;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The undo log of a replica set during a resync: the before-image of every region first overwritten since the
 * consistent image ({@link UndoLogHeader#consistentSeq()}), each region once, appended in the order they were
 * saved. Rolling back writes them back in reverse order.
 *
 * <p><b>Crash safety.</b> The file appears whole-headed (written to a temporary sibling, synced, renamed, directory
 * synced), so a visible log always has a valid header. Entries are appended and then synced ({@link #sync()})
 * before the replica writes they cover: an entry not yet durable covers a region not yet written. Opening scans the
 * entries, stops at the first one that is short, has a bad magic, length or CRC (a torn append) and truncates the
 * file there, durably; every entry before it is whole.
 *
 * <p>Layout, big-endian: header magic u32 "DMUL", version u16, reserved u16 (0), header length u32, cgId u32,
 * regionBytes u32, consistentSeq u64, diskCount u16, diskCount times (diskId u32, state u8 ({@link ReplicaState}
 * code)), CRC32C u32 of the header bytes before it; then {@link UndoEntry entries}.
 *
 * <p>Owned by one thread (the applier's, or a rollback's); {@link #sizeBytes()} may be read from any thread.
 */
final class UndoLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UndoLog.class);
    static final String FILE_NAME = "undo.log";
    static final int MAGIC = 0x444D554C; // "DMUL"
    static final int VERSION = 1;
    private static final int HEADER_FIXED_BYTES = 4 + 2 + 2 + 4 + 4 + 4 + 8 + 2;
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private final Path file;
    private final SparseFile log;
    /** Replaced only by {@link #relabel}, on the applier's thread. */
    private volatile UndoLogHeader header;
    /** Regions saved, per disk id, by region index: each is saved once, before its first write. */
    private final Map<Integer, BitSet> saved = new HashMap<>();
    /** File offset of every entry, in append order, for the rollback's reverse walk. */
    private long[] entryOffsets = new long[64];
    private int entries;
    private volatile long sizeBytes;

    private UndoLog(Path file, SparseFile log, UndoLogHeader header, long sizeBytes) {
        this.file = file;
        this.log = log;
        this.header = header;
        this.sizeBytes = sizeBytes;
    }

    static Path path(Path directory) {
        return directory.resolve(FILE_NAME);
    }

    /** Creates the undo log of {@code directory}, durably, before any entry can be needed. */
    static UndoLog create(Path directory, UndoLogHeader header) throws IOException {
        Path file = path(directory);
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists: a resync is protected already");
        }
        ByteBuffer encoded = encodeHeader(header);
        DurableFiles.replace(file, encoded);
        return new UndoLog(file, SparseFile.openReadWrite(file), header, encoded.remaining());
    }

    /**
     * Opens the undo log of {@code directory}, if there is one, and drops a torn last entry.
     *
     * @throws ReplicaSetException CORRUPT_METADATA when the header is damaged or an entry with a good CRC does not
     *     make sense (not a torn append: a bug or outside damage that an operator must see)
     */
    static Optional<UndoLog> open(Path directory) throws IOException {
        Path file = path(directory);
        if (!Files.exists(file)) {
            return Optional.empty(); // the log has one owner: nothing creates it meanwhile
        }
        SparseFile opened = SparseFile.openReadWrite(file);
        try {
            UndoLogHeader header = readHeader(opened);
            UndoLog log = new UndoLog(file, opened, header, opened.size());
            log.recover(encodeHeader(header).remaining());
            return Optional.of(log);
        } catch (IOException | RuntimeException e) {
            try {
                opened.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    UndoLogHeader header() {
        return header;
    }

    Path file() {
        return file;
    }

    /** Bytes of the log file, header included. */
    long sizeBytes() {
        return sizeBytes;
    }

    int entries() {
        return entries;
    }

    boolean isSaved(int diskId, long regionIndex) {
        BitSet regions = saved.get(diskId);
        return regions != null && regions.get(Math.toIntExact(regionIndex));
    }

    /** Appends {@code entry}; not durable until {@link #sync()}. */
    void append(UndoEntry entry) throws IOException {
        ByteBuffer bytes = entry.encode();
        log.writeFully(bytes.duplicate(), sizeBytes);
        remember(entry, sizeBytes);
        sizeBytes += bytes.remaining();
    }

    /** Makes every appended entry durable (fdatasync): call before writing the regions they cover. */
    void sync() throws IOException {
        log.fdatasync();
    }

    /** The entry at index {@code i} in append order. */
    UndoEntry entry(int i) throws IOException {
        if (i < 0 || i >= entries) {
            throw new IndexOutOfBoundsException(i + " of " + entries + " entries");
        }
        long at = entryOffsets[i];
        long end = i + 1 < entries ? entryOffsets[i + 1] : sizeBytes;
        ByteBuffer bytes = readAt(at, Math.toIntExact(end - at));
        return UndoEntry.decode(bytes);
    }

    /**
     * Names the image this log keeps by another applied seq, durably: a takeover in the source site's gateway group
     * re-based the replicas' seqs ({@link ReplicaSet#takeOver}), and the image the log gives back is the one from
     * before the new leader's first seq. The header keeps its length, so it is rewritten in place (a header of up to
     * 96 disks fits one 512-byte sector, written whole or not at all).
     */
    void relabel(long consistentSeq) throws IOException {
        UndoLogHeader next = new UndoLogHeader(header.cgId(), header.regionBytes(), consistentSeq, header.states());
        log.writeFully(encodeHeader(next), 0);
        log.fdatasync();
        header = next;
    }

    /** Closes and deletes the log, durably: after it returns, a restart finds no log. */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
        DurableFiles.forceDirectory(file.toAbsolutePath().getParent());
    }

    @Override
    public void close() throws IOException {
        log.close();
    }

    private void remember(UndoEntry entry, long offset) {
        saved.computeIfAbsent(entry.diskId(), id -> new BitSet())
                .set(Math.toIntExact(entry.regionOffset() / header.regionBytes()));
        if (entries == entryOffsets.length) {
            entryOffsets = Arrays.copyOf(entryOffsets, entries * 2);
        }
        entryOffsets[entries++] = offset;
    }

    /** Reads the entries from {@code position} on and truncates the log after the last whole one. */
    private void recover(long position) throws IOException {
        long at = position;
        long fileSize = log.size();
        int maxEntry = UndoEntry.maxEncodedBytes(header.regionBytes());
        while (at + UndoEntry.FIXED_BYTES <= fileSize) {
            ByteBuffer fixed = readAt(at, 8);
            int length = fixed.getInt(4);
            if (fixed.getInt(0) != UndoEntry.MAGIC || length < UndoEntry.FIXED_BYTES + 4 || length > maxEntry
                    || at + length > fileSize) {
                break;
            }
            ByteBuffer whole = readAt(at, length);
            if (UndoEntry.crc(whole.array(), length - 4) != whole.getInt(length - 4)) {
                break;
            }
            UndoEntry entry;
            try {
                entry = UndoEntry.decode(whole);
            } catch (IllegalArgumentException | BufferUnderflowException e) {
                throw corrupt("entry at offset " + at + " has a good CRC but does not make sense: " + e.getMessage());
            }
            if (!header.protects(entry.diskId()) || entry.regionOffset() % header.regionBytes() != 0
                    || entry.regionLength() > header.regionBytes()) {
                throw corrupt("entry at offset " + at + " covers disk " + entry.diskId() + " region "
                        + entry.regionOffset() + "+" + entry.regionLength() + ", which this log does not protect");
            }
            remember(entry, at);
            at += length;
        }
        if (at < fileSize) {
            LOG.warn("undo log {}: dropping {} bytes of a torn last entry at offset {} (a crash while appending; "
                    + "the region it was saving was not written yet)", file, fileSize - at, at);
            log.setSize(at);
            log.fdatasync();
        }
        sizeBytes = at;
    }

    private ByteBuffer readAt(long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        log.readFully(buf, position);
        return buf.flip();
    }

    static ByteBuffer encodeHeader(UndoLogHeader h) {
        int length = HEADER_FIXED_BYTES + h.states().size() * 5 + 4;
        ByteBuffer out = ByteBuffer.allocate(length);
        out.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(length);
        out.putInt(h.cgId()).putInt(h.regionBytes()).putLong(h.consistentSeq()).putShort((short) h.states().size());
        h.states().forEach((disk, state) -> out.putInt(disk).put((byte) state.code()));
        out.putInt(UndoEntry.crc(out.array(), out.position()));
        return out.flip();
    }

    private static UndoLogHeader readHeader(SparseFile log) throws IOException {
        Path file = log.path();
        ByteBuffer in = ByteBuffer.allocate((int) Math.min(log.size(), MAX_HEADER_BYTES));
        log.readFully(in, 0);
        in.flip();
        try {
            if (in.remaining() < HEADER_FIXED_BYTES + 4 || in.getInt() != MAGIC) {
                throw corrupt(file, "no undo log magic");
            }
            int version = Short.toUnsignedInt(in.getShort());
            if (version != VERSION) {
                throw new ReplicaSetException(Reason.UNSUPPORTED_VERSION, file + " is undo log version " + version
                        + ", this build reads version " + VERSION);
            }
            in.getShort();
            int length = in.getInt();
            if (length < HEADER_FIXED_BYTES + 4 || length > in.limit()) {
                throw corrupt(file, "header length " + length + " does not fit the file");
            }
            if (UndoEntry.crc(in.array(), length - 4) != in.getInt(length - 4)) {
                throw corrupt(file, "header CRC mismatch");
            }
            int cgId = in.getInt();
            int regionBytes = in.getInt();
            long consistentSeq = in.getLong();
            int diskCount = Short.toUnsignedInt(in.getShort());
            Map<Integer, ReplicaState> states = new LinkedHashMap<>();
            for (int i = 0; i < diskCount; i++) {
                int disk = in.getInt();
                ReplicaState state = ReplicaState.fromCode(Byte.toUnsignedInt(in.get()));
                if (state == null) {
                    throw corrupt(file, "disk " + disk + " has an unknown replica state");
                }
                states.put(disk, state);
            }
            if (in.position() != length - 4) {
                throw corrupt(file, "header fields end at byte " + in.position() + ", the CRC is at " + (length - 4));
            }
            return new UndoLogHeader(cgId, regionBytes, consistentSeq, states);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new ReplicaSetException(Reason.CORRUPT_METADATA, file + " is not a valid undo log: " + e, e);
        }
    }

    private ReplicaSetException corrupt(String why) {
        return corrupt(file, why);
    }

    private static ReplicaSetException corrupt(Path file, String why) {
        return new ReplicaSetException(Reason.CORRUPT_METADATA, file + ": " + why);
    }
}
