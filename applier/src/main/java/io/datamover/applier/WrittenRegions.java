package io.datamover.applier;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which regions of a replica set's disks were written after a given seq, kept so that a discard of the replica's
 * data ({@code datamover resync --discard replica}) resyncs only those regions instead of the whole disks (DRBD's
 * "written since the generation began" bitmap). Kept as {@code written-regions} beside the stamp.
 *
 * <p>Epochs: a bitmap per disk for each seq range. An epoch begins at a seq (each source connection the target
 * accepts begins one, at the seq it resumes after) and holds every region written by a batch after that seq, until
 * the next epoch begins. "Written after S" is the union of the epoch S falls in and every later one: a superset,
 * never less. At most {@link #MAX_EPOCHS} are kept; the two oldest are then merged (the union under the older start),
 * so coverage is never lost, only precision. A seq
 * before the oldest epoch (a set whose tracking began after it, e.g. one stamped before this file existed) is
 * answered "unknown": the caller resyncs everything.
 *
 * <p>Regions: 1 MiB, doubled until a disk has at most {@link #MAX_REGIONS_PER_DISK}, so a bitmap is at most 8 KiB
 * and the file at most {@code MAX_EPOCHS * disks * 8 KiB}.
 *
 * <p>Durability: {@link #markWritten} replaces the file (write, fsync, rename) when a batch sets a new bit, before the
 * batch's first replica write, so a crash can only leave a bit too many. A damaged file is not trusted: tracking
 * restarts at the applied seq (a discard below it resyncs everything).
 *
 * <p>Layout, big-endian: magic u32 "DMWR", version u16, region shift u8, epoch count u8, then per epoch its start seq
 * u64 and, per disk in declaration order, its bitmap ({@code ceil(regions / 8)} bytes, bit i of byte j is region
 * {@code 8j + i}); then CRC32C u32 of every byte before it.
 *
 * <p>Thread-safe: the applier's thread marks, the thread that admits a source begins epochs.
 */
final class WrittenRegions {
    private static final Logger LOG = LoggerFactory.getLogger(WrittenRegions.class);
    static final String FILE_NAME = "written-regions";
    static final int MAGIC = 0x444D5752; // "DMWR"
    static final int VERSION = 1;
    static final int MAX_EPOCHS = 8;
    static final int MIN_REGION_SHIFT = 20; // 1 MiB
    static final int MAX_REGIONS_PER_DISK = 65_536;

    private record Epoch(long startSeq, BitSet[] bitmaps) {
        boolean isEmpty() {
            for (BitSet b : bitmaps) {
                if (!b.isEmpty()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Path file;
    private final int cgId;
    private final List<DiskInfo> disks;
    private final int regionShift;
    private final Deque<Epoch> epochs;

    private WrittenRegions(Path file, int cgId, List<DiskInfo> disks, int regionShift, Deque<Epoch> epochs) {
        this.file = file;
        this.cgId = cgId;
        this.disks = List.copyOf(disks);
        this.regionShift = regionShift;
        this.epochs = epochs;
    }

    /**
     * Opens the record of {@code directory}, or begins one at {@code appliedSeq} (0 for a new set: complete) when it
     * has none or it cannot be trusted.
     */
    static WrittenRegions open(Path directory, int cgId, List<DiskInfo> disks, long appliedSeq) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        int shift = regionShift(disks);
        try {
            byte[] bytes = Files.readAllBytes(file);
            Deque<Epoch> epochs = decode(bytes, disks, shift);
            if (!epochs.isEmpty() && epochs.peekFirst().startSeq() <= appliedSeq) {
                return new WrittenRegions(file, cgId, disks, shift, epochs);
            }
            LOG.warn("{} does not cover applied seq {}: tracking written regions again from there", file, appliedSeq);
        } catch (NoSuchFileException e) {
            if (appliedSeq > 0) {
                LOG.info("{} is new: regions written before applied seq {} are not known (a discard before it "
                        + "resyncs whole disks)", file, appliedSeq);
            }
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            LOG.warn("{} is damaged ({}): tracking written regions again from applied seq {}; a discard before it "
                    + "resyncs whole disks", file, e.getMessage(), appliedSeq);
        }
        Deque<Epoch> fresh = new ArrayDeque<>();
        fresh.add(new Epoch(appliedSeq, emptyBitmaps(disks.size())));
        WrittenRegions regions = new WrittenRegions(file, cgId, disks, shift, fresh);
        regions.persist();
        return regions;
    }

    /**
     * Replaces the record of {@code directory} with one epoch beginning at {@code seq} that holds {@code ranges}
     * (written outside any batch after it: a site's own writes after a failover's promoted seq), or the whole disks
     * when {@code ranges} is null (not known). Redone whole by a rerun. Returns the bytes of {@code ranges}.
     */
    static long replaceWith(Path directory, int cgId, List<DiskInfo> disks, long seq,
            List<ResyncRegions.Range> ranges) throws IOException {
        Files.deleteIfExists(directory.resolve(FILE_NAME));
        WrittenRegions written = open(directory, cgId, disks, seq);
        List<ResyncRegions.Range> marked = ranges != null ? ranges
                : disks.stream().map(d -> new ResyncRegions.Range(d.id(), 0, d.sizeBytes())).toList();
        List<BlockWrite> marks = new ArrayList<>();
        for (ResyncRegions.Range r : marked) {
            for (long at = r.offset(); at < r.offset() + r.length(); at += Integer.MAX_VALUE / 2 + 1) {
                int length = (int) Math.min(Integer.MAX_VALUE / 2 + 1, r.offset() + r.length() - at);
                marks.add(BlockWrite.range(seq + 1, r.disk(), at, length, RecordKind.TRIM));
            }
        }
        written.markWritten(marks);
        return coveredBytes(marked);
    }

    /** Bytes the ranges cover, each once: a tap's dirty regions and its journal's records often name the same. */
    private static long coveredBytes(List<ResyncRegions.Range> ranges) {
        List<ResyncRegions.Range> sorted = ranges.stream().sorted(Comparator.comparingInt(ResyncRegions.Range::disk)
                .thenComparingLong(ResyncRegions.Range::offset)).toList();
        long bytes = 0;
        int disk = -1;
        long coveredTo = 0;
        for (ResyncRegions.Range r : sorted) {
            if (r.disk() != disk) {
                disk = r.disk();
                coveredTo = 0;
            }
            long end = r.offset() + r.length();
            long from = Math.max(r.offset(), coveredTo);
            if (end > from) {
                bytes += end - from;
                coveredTo = end;
            }
        }
        return bytes;
    }

    /** Region size in bytes. */
    long regionBytes() {
        return 1L << regionShift;
    }

    /** Records the regions {@code entries} write, durably when one is new. Call before writing them. */
    synchronized void markWritten(List<BlockWrite> entries) throws IOException {
        BitSet[] current = epochs.peekLast().bitmaps();
        boolean changed = false;
        for (BlockWrite e : entries) {
            if (e.kind().isMarker() || e.length() == 0) {
                continue;
            }
            int index = diskIndex(e.disk());
            int first = (int) (e.offset() >>> regionShift);
            int last = (int) ((e.offset() + e.length() - 1) >>> regionShift);
            if (current[index].nextClearBit(first) <= last) {
                current[index].set(first, last + 1);
                changed = true;
            }
        }
        if (changed) {
            persist();
        }
    }

    /**
     * Begins an epoch at {@code seq} (a source resumes after it), durably; past
     * {@link #MAX_EPOCHS} the two oldest merge.
     */
    synchronized void beginEpoch(long seq) throws IOException {
        Epoch last = epochs.peekLast();
        if (seq <= last.startSeq()) {
            return; // idempotent: already begun (or a seq this record already covers finer)
        }
        if (last.isEmpty()) {
            return; // nothing written since it began: it already says exactly what a new one would
        }
        epochs.addLast(new Epoch(seq, emptyBitmaps(disks.size())));
        mergeOldestBeyondBound();
        persist();
    }

    /**
     * The ranges written after {@code seq} (whole regions, adjacent ones as one range), or everything when that is not
     * known or takes more than {@link ResyncRegions#MAX_RANGES} ranges.
     */
    synchronized ResyncRegions after(long seq) {
        BitSet[] union = emptyBitmaps(disks.size());
        boolean covered = false;
        for (Epoch epoch : epochs) {
            Epoch later = nextOf(epoch);
            if (epoch.startSeq() <= seq) {
                covered = true;
            }
            if (later == null || later.startSeq() > seq) {
                for (int i = 0; i < union.length; i++) {
                    union[i].or(epoch.bitmaps()[i]);
                }
            }
        }
        if (!covered) {
            return ResyncRegions.everything(cgId);
        }
        List<ResyncRegions.Range> ranges = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            DiskInfo disk = disks.get(i);
            BitSet bits = union[i];
            for (int from = bits.nextSetBit(0); from >= 0; from = bits.nextSetBit(bits.nextClearBit(from))) {
                long offset = (long) from << regionShift;
                long end = Math.min(disk.sizeBytes(), (long) bits.nextClearBit(from) << regionShift);
                ranges.add(new ResyncRegions.Range(disk.id(), offset, end - offset));
            }
        }
        return ResyncRegions.of(cgId, ranges);
    }

    /**
     * The replicas give up what they hold after {@code seq}: answers {@link #after}{@code (seq)}, then folds the
     * epochs that began after {@code seq} into the one holding it and begins one at {@code seq}, durably (call before
     * the stamp records the discard: a crash between leaves only bits too many).
     */
    synchronized ResyncRegions discardAfter(long seq) throws IOException {
        ResyncRegions report = after(seq);
        if (report.everything()) {
            epochs.clear();
            epochs.add(new Epoch(seq, emptyBitmaps(disks.size()))); // tracking restarts where the replicas do
        } else {
            while (epochs.size() > 1 && epochs.peekLast().startSeq() > seq) {
                Epoch later = epochs.pollLast();
                for (int i = 0; i < later.bitmaps().length; i++) {
                    epochs.peekLast().bitmaps()[i].or(later.bitmaps()[i]);
                }
            }
            if (epochs.peekLast().startSeq() < seq) {
                epochs.addLast(new Epoch(seq, emptyBitmaps(disks.size())));
                mergeOldestBeyondBound();
            }
        }
        persist();
        return report;
    }

    /**
     * Tracking restarts at {@code seq}, durably: a takeover re-based the replicas' seqs on a new leader's history, so
     * the epochs before are of another seq space; a discard back before {@code seq} resyncs everything.
     */
    synchronized void restartAt(long seq) throws IOException {
        epochs.clear();
        epochs.add(new Epoch(seq, emptyBitmaps(disks.size())));
        persist();
    }

    private void mergeOldestBeyondBound() {
        if (epochs.size() > MAX_EPOCHS) {
            Epoch oldest = epochs.pollFirst();
            Epoch next = epochs.pollFirst();
            for (int i = 0; i < oldest.bitmaps().length; i++) {
                oldest.bitmaps()[i].or(next.bitmaps()[i]);
            }
            epochs.addFirst(oldest);
        }
    }

    private Epoch nextOf(Epoch epoch) {
        boolean found = false;
        for (Epoch e : epochs) {
            if (found) {
                return e;
            }
            found = e == epoch;
        }
        return null;
    }

    private int diskIndex(int diskId) {
        for (int i = 0; i < disks.size(); i++) {
            if (disks.get(i).id() == diskId) {
                return i;
            }
        }
        throw new IllegalArgumentException("no disk " + diskId + " in this replica set");
    }

    private void persist() throws IOException {
        DurableFiles.replace(file, ByteBuffer.wrap(encode()));
    }

    private byte[] encode() {
        int length = 4 + 2 + 1 + 1 + 4;
        for (int i = 0; i < epochs.size(); i++) {
            length += 8;
            for (DiskInfo d : disks) {
                length += bitmapBytes(d, regionShift);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        out.putInt(MAGIC).putShort((short) VERSION).put((byte) regionShift).put((byte) epochs.size());
        for (Epoch epoch : epochs) {
            out.putLong(epoch.startSeq());
            for (int i = 0; i < disks.size(); i++) {
                byte[] bits = epoch.bitmaps()[i].toByteArray(); // little-endian bit order, trailing zeros dropped
                out.put(bits);
                out.position(out.position() + bitmapBytes(disks.get(i), regionShift) - bits.length);
            }
        }
        out.putInt(crc(out.array(), out.position()));
        return out.array();
    }

    private static Deque<Epoch> decode(byte[] bytes, List<DiskInfo> disks, int shift) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < 12 || in.getInt() != MAGIC || in.getShort() != VERSION) {
            throw new IllegalArgumentException("not a written-regions file of version " + VERSION);
        }
        if (ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt() != crc(bytes, bytes.length - 4)) {
            throw new IllegalArgumentException("CRC32C mismatch (torn or damaged)");
        }
        if (in.get() != shift) {
            throw new IllegalArgumentException("region size differs from the disks'");
        }
        int count = Byte.toUnsignedInt(in.get());
        if (count < 1 || count > MAX_EPOCHS) {
            throw new IllegalArgumentException(count + " epochs");
        }
        Deque<Epoch> epochs = new ArrayDeque<>();
        for (int e = 0; e < count; e++) {
            long start = in.getLong();
            BitSet[] bitmaps = new BitSet[disks.size()];
            for (int i = 0; i < disks.size(); i++) {
                byte[] bits = new byte[bitmapBytes(disks.get(i), shift)];
                in.get(bits);
                bitmaps[i] = BitSet.valueOf(bits);
            }
            if (!epochs.isEmpty() && start <= epochs.peekLast().startSeq()) {
                throw new IllegalArgumentException("epoch starts not increasing");
            }
            epochs.add(new Epoch(start, bitmaps));
        }
        if (in.position() != bytes.length - 4) {
            throw new IllegalArgumentException("length does not match the disks");
        }
        return epochs;
    }

    /** 1 MiB, doubled until every disk has at most {@link #MAX_REGIONS_PER_DISK} regions. */
    static int regionShift(List<DiskInfo> disks) {
        long largest = disks.stream().mapToLong(DiskInfo::sizeBytes).max().orElse(0);
        int shift = MIN_REGION_SHIFT;
        while (((largest + (1L << shift) - 1) >>> shift) > MAX_REGIONS_PER_DISK) {
            shift++;
        }
        return shift;
    }

    private static int bitmapBytes(DiskInfo disk, int shift) {
        long regions = (disk.sizeBytes() + (1L << shift) - 1) >>> shift;
        return (int) ((regions + 7) / 8);
    }

    private static BitSet[] emptyBitmaps(int count) {
        BitSet[] bitmaps = new BitSet[count];
        for (int i = 0; i < count; i++) {
            bitmaps[i] = new BitSet();
        }
        return bitmaps;
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
