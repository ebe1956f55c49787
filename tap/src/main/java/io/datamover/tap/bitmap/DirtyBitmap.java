package io.datamover.tap.bitmap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * One disk's persistent dirty bitmap: one bit per region, a set bit meaning "this region may differ from the
 * replica and must be resynced if the journal cannot cover it".
 *
 * <h2>Durability and cost (the DRBD activity-log trade-off)</h2>
 * The tap may acknowledge a write to the guest only when its regions are dirty <em>on disk</em> (or the write is
 * in the gateway journal). Syncing the bitmap for every write would cost one fdatasync per guest write, so:
 * <ul>
 *   <li><b>Sync only on 0 to 1.</b> {@link #set} returns a ticket; a write whose bits were already durable gets
 *       ticket 0 and does not wait at all. Steady writes to hot regions cost no bitmap I/O.</li>
 *   <li><b>Group commit.</b> Concurrent 0-to-1 transitions share one write-and-fdatasync: the first waiter becomes
 *       the leader, snapshots every changed page and syncs; waiters that arrived meanwhile are covered by the next
 *       round, led by one of them. N concurrent new regions cost 1 or 2 syncs, not N.</li>
 *   <li><b>Clear lazily.</b> {@link #clear} changes memory only; the page reaches disk with the next sync. A stale 1
 *       after a crash only costs an extra resync of that region, which is safe; a lost 1 would not be, and
 *       cannot happen because bits are only cleared once nothing needs them.</li>
 *   <li><b>Keep hot regions set</b>: that policy lives in {@link RegionTracker}, which sets a whole extent of
 *       regions ahead of the writes ({@link ActivityLog}) and clears a region only after it has been idle for a
 *       retention period outside a hot extent, so a sequential stream pays one sync per two extents and a region written
 *       again soon does not pay another.</li>
 * </ul>
 * The cost: after a crash, regions written during the last retention period are resynced even if the journal
 * had them, bounded by the write working set of one retention period.
 *
 * <p>Memory: one bit per region plus one bit and one long per 4 KiB page of bits.
 */
public final class DirtyBitmap implements AutoCloseable {

    private static final int REGIONS_PER_PAGE = BitmapFile.PAGE_BYTES * Byte.SIZE;

    private final BitmapFile file;
    /** Grows with the disk ({@link #grow}), under the lock; read without it to check a region. */
    private volatile long regionCount;
    private final int regionSizeBytes;
    /** The bits; replaced by a longer copy when the disk grows. Guarded by the lock. */
    private long[] words;
    /** Pages changed in memory since their last write. */
    private final BitSet changedPages = new BitSet();
    /** Per page: the flush round that must complete before a 1 set in that page is durable. Guarded by the lock. */
    private long[] pageDurableAfterRound;
    private final LongConsumer syncObserver;
    /** Bits set in memory; kept as they change, so reading it (a gauge) never scans the bitmap. */
    private volatile long dirtyCount;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roundDone = lock.newCondition();
    private long nextRound = 1;
    private long durableRound;
    private boolean flushing;
    private IOException failure;
    private boolean closed;

    private DirtyBitmap(BitmapFile file, long regionCount, int regionSizeBytes, long[] words, LongConsumer syncObserver) {
        this.file = file;
        this.regionCount = regionCount;
        this.regionSizeBytes = regionSizeBytes;
        this.words = words;
        this.pageDurableAfterRound = new long[pageCount(regionCount)];
        this.syncObserver = syncObserver;
        long count = 0;
        for (long word : words) {
            count += Long.bitCount(word);
        }
        this.dirtyCount = count;
    }

    /** The regions a new bitmap starts with set; asked only when the file is created. */
    @FunctionalInterface
    public interface InitialRegions {
        BitSet regions() throws IOException;

        InitialRegions NONE = BitSet::new;
    }

    /**
     * The regions to set when a bitmap is opened for a disk larger than the one it was made for (the disk grew while
     * the tap was stopped): those of the new part, from {@code oldSizeBytes} (its region included), that may differ
     * from the replica, which grows with zeros.
     */
    @FunctionalInterface
    public interface GrownRegions {
        BitSet regions(long oldSizeBytes) throws IOException;
    }

    /**
     * Opens the bitmap of a disk of {@code diskSizeBytes}, creating it all clean if the file is absent.
     *
     * @param identity the image and pair the bits are about, recorded at creation and checked at every open
     * @param syncObserver told the number of pages of each sync, e.g. to count syncs in a metric
     * @throws BitmapFormatException if the file exists but was made for another image, pair, geometry or format
     */
    public static DirtyBitmap open(Path path, BitmapIdentity identity, long diskSizeBytes, int regionSizeBytes,
            LongConsumer syncObserver) throws IOException {
        return open(path, identity, diskSizeBytes, regionSizeBytes, syncObserver, InitialRegions.NONE);
    }

    /**
     * Opens the bitmap of a disk, or creates it with {@code initialDirty} set, durably and atomically with the
     * file's creation: a crash leaves either no bitmap or one with those bits. {@link #created()} tells which.
     */
    public static DirtyBitmap open(Path path, BitmapIdentity identity, long diskSizeBytes, int regionSizeBytes,
            LongConsumer syncObserver, InitialRegions initialDirty) throws IOException {
        return open(path, identity, diskSizeBytes, regionSizeBytes, syncObserver, initialDirty,
                oldSize -> everyRegionFrom(oldSize, diskSizeBytes, regionSizeBytes));
    }

    /**
     * As above; a bitmap made for a smaller disk is grown, atomically, with {@code grownDirty} set (a larger one is
     * refused: shrinking is). Without it, every region of the new part is set.
     */
    public static DirtyBitmap open(Path path, BitmapIdentity identity, long diskSizeBytes, int regionSizeBytes,
            LongConsumer syncObserver, InitialRegions initialDirty, GrownRegions grownDirty) throws IOException {
        BitmapFile file = BitmapFile.openOrCreate(path, identity, diskSizeBytes, regionSizeBytes, initialDirty,
                grownDirty);
        try {
            long regionCount = BitmapFile.regionCount(diskSizeBytes, regionSizeBytes);
            long[] words = file.readWords(BitmapFile.wordCount(regionCount));
            return new DirtyBitmap(file, regionCount, regionSizeBytes, words, syncObserver);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static int pageCount(long regionCount) {
        return (int) ((regionCount + REGIONS_PER_PAGE - 1) / REGIONS_PER_PAGE);
    }

    private static BitSet everyRegionFrom(long fromBytes, long diskSizeBytes, int regionSizeBytes) {
        BitSet all = new BitSet();
        all.set(Math.toIntExact(fromBytes / regionSizeBytes),
                Math.toIntExact(BitmapFile.regionCount(diskSizeBytes, regionSizeBytes)));
        return all;
    }

    public Path path() {
        return file.path();
    }

    /** True when this open created the bitmap: the disk is newly protected. */
    public boolean created() {
        return file.created();
    }

    public long regionCount() {
        return regionCount;
    }

    public int regionSizeBytes() {
        return regionSizeBytes;
    }

    public boolean isDirty(long region) {
        checkRegion(region);
        lock.lock();
        try {
            return (words[wordIndex(region)] & bit(region)) != 0;
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the bits in memory (which may be ahead of the disk by unsynced 1s and lazy 0s). */
    public BitSet snapshot() {
        lock.lock();
        try {
            return BitSet.valueOf(words);
        } finally {
            lock.unlock();
        }
    }

    /** Regions set in memory (durable or on their way); from any thread. */
    public long dirtyCount() {
        return dirtyCount;
    }

    /**
     * Sets regions {@code [firstRegion, lastRegion]} in memory and returns the ticket to pass to
     * {@link #awaitDurable}: 0 when every bit is already durable, so the caller need not wait.
     */
    public long set(long firstRegion, long lastRegion) {
        checkRegion(firstRegion);
        checkRegion(lastRegion);
        lock.lock();
        try {
            long ticket = 0;
            for (long region = firstRegion; region <= lastRegion; region++) {
                int page = (int) (region / REGIONS_PER_PAGE);
                int word = wordIndex(region);
                if ((words[word] & bit(region)) == 0) {
                    words[word] |= bit(region);
                    dirtyCount++;
                    changedPages.set(page);
                    pageDurableAfterRound[page] = nextRound;
                }
                // A bit another writer set a moment ago is not durable until its round is done.
                if (pageDurableAfterRound[page] > durableRound) {
                    ticket = Math.max(ticket, pageDurableAfterRound[page]);
                }
            }
            return ticket;
        } finally {
            lock.unlock();
        }
    }

    /** Clears a region in memory; the 0 reaches disk with the next sync (a stale 1 is safe). */
    public void clear(long region) {
        checkRegion(region);
        lock.lock();
        try {
            int word = wordIndex(region);
            if ((words[word] & bit(region)) != 0) {
                words[word] &= ~bit(region);
                dirtyCount--;
                changedPages.set((int) (region / REGIONS_PER_PAGE));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the bits behind {@code ticket} are on disk, leading a group-commit round if none is running. */
    public void awaitDurable(long ticket) throws IOException {
        if (ticket == 0) {
            return;
        }
        lock.lock();
        try {
            while (durableRound < ticket) {
                if (failure != null) {
                    throw new IOException("dirty bitmap " + file.path() + " could not be made durable", failure);
                }
                if (flushing) {
                    roundDone.awaitUninterruptibly();
                } else {
                    flushRound();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes every changed page and syncs, whether or not anyone waits: for lazy clears and shutdown. */
    public void flush() throws IOException {
        long ticket;
        lock.lock();
        try {
            if (changedPages.isEmpty()) {
                return;
            }
            ticket = nextRound;
        } finally {
            lock.unlock();
        }
        awaitDurable(ticket);
    }

    /** Runs one round with the lock held on entry and exit; the I/O runs without it. */
    private void flushRound() {
        flushing = true;
        long round = nextRound++;
        BitSet pages = (BitSet) changedPages.clone();
        changedPages.clear();
        long[][] snapshots = new long[pages.cardinality()][];
        int[] firstWords = new int[snapshots.length];
        int i = 0;
        for (int page = pages.nextSetBit(0); page >= 0; page = pages.nextSetBit(page + 1), i++) {
            firstWords[i] = page * BitmapFile.WORDS_PER_PAGE;
            int to = Math.min(words.length, firstWords[i] + BitmapFile.WORDS_PER_PAGE);
            snapshots[i] = Arrays.copyOfRange(words, firstWords[i], to);
        }
        lock.unlock();
        IOException error = null;
        try {
            for (int p = 0; p < snapshots.length; p++) {
                file.writeWords(firstWords[p], snapshots[p]);
            }
            file.sync();
        } catch (IOException e) {
            error = e;
        } finally {
            lock.lock();
        }
        flushing = false;
        if (error != null) {
            // Sticky: a bitmap that cannot be persisted must fail every write that needs it, never acknowledge it.
            failure = error;
            changedPages.or(pages);
        } else {
            durableRound = round;
            syncObserver.accept(snapshots.length);
        }
        roundDone.signalAll();
    }

    /**
     * The disk grew to {@code diskSizeBytes} while the tap serves it: the bitmap takes the regions of the new part,
     * {@code added} set among them (those holding data), in one atomic rewrite of its file, which also makes every bit
     * set in memory durable. Writers wait for the bitmap meanwhile (one file written and synced: an operator's rare
     * action, not the write path). A disk of the size already covered changes nothing.
     *
     * @throws IllegalArgumentException when {@code diskSizeBytes} is below the size covered, or {@code added} past it
     * @throws IOException when the grown file cannot be written: the bitmap stays as it was, in use
     */
    public void grow(long diskSizeBytes, BitSet added) throws IOException {
        long grownRegions = BitmapFile.regionCount(diskSizeBytes, regionSizeBytes);
        if (added.length() > grownRegions) {
            throw new IllegalArgumentException("grown region " + (added.length() - 1) + " outside [0, " + grownRegions
                    + ")");
        }
        lock.lock();
        try {
            while (flushing) {
                roundDone.awaitUninterruptibly(); // the file is not swapped under a round's I/O
            }
            if (closed || failure != null) {
                throw new IOException("dirty bitmap " + file.path() + " cannot grow: "
                        + (closed ? "closed" : "it could not be made durable"), failure);
            }
            if (grownRegions < regionCount) {
                throw new IllegalArgumentException("dirty bitmap " + file.path() + " covers " + regionCount
                        + " regions; it cannot shrink to " + grownRegions);
            }
            BitSet bits = BitSet.valueOf(words);
            bits.or(added);
            file.grow(diskSizeBytes, bits);
            words = Arrays.copyOf(bits.toLongArray(), BitmapFile.wordCount(grownRegions));
            pageDurableAfterRound = new long[pageCount(grownRegions)];
            regionCount = grownRegions;
            dirtyCount = bits.cardinality();
            // Everything in memory is in the new file: every ticket handed out so far is durable.
            changedPages.clear();
            durableRound = nextRound++;
            roundDone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Flushes what changed and closes the file. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            flush();
        } finally {
            file.close();
        }
    }

    private void checkRegion(long region) {
        if (region < 0 || region >= regionCount) {
            throw new IndexOutOfBoundsException("region " + region + " outside [0, " + regionCount + ")");
        }
    }

    private static int wordIndex(long region) {
        return (int) (region >>> 6);
    }

    private static long bit(long region) {
        return 1L << (region & 63);
    }
}
