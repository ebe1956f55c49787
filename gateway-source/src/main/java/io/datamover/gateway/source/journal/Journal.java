package io.datamover.gateway.source.journal;

import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source gateway's journal for one consistency group: a Chronicle Queue in its own directory
 * whose entries are encoded WRITE_RECORD frames (self-describing, CRC-protected), in gap-free seq
 * order, bounded by {@link JournalConfig#maxBytes()}.
 *
 * <p>Threading: one owner thread calls {@link #append}, {@link #sync}, {@link #release} and
 * {@link #close} (Chronicle checks this: open the journal on that thread or call
 * {@link #bindToCurrentThread()} there first); other threads (the IO receiver, the shipper) hand it work through bounded
 * queues. {@link #durableSeq()} and {@link #retainedBytes()} may be read from any thread. A
 * {@link JournalReader} is used by the shipper's own thread.
 *
 * <p>Durability: an append only writes into Chronicle's mapped file. {@link #sync()} is the group
 * commit: one fdatasync for everything appended since the previous one; only seqs up to what it
 * returns may be acknowledged. {@link #startSync()} runs that fdatasync on the journal's sync thread
 * while the owner appends the next group; {@link #durableSeq()} says when it is done. See docs/journal.md.
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    /** Chronicle's per-document header, counted in retained bytes. */
    static final int ENTRY_OVERHEAD_BYTES = 4;
    /** What Chronicle's {@code nextCycle} answers when there is no later cycle file. */
    private static final int NO_CYCLE = -1;
    /**
     * Free space a new cycle file needs before Chronicle may create it: its header and indexes (tens of KiB), which
     * Chronicle writes through its mapping, where a full tmpfs is a SIGBUS (an InternalError that leaves the
     * appender broken), not an error; with room to spare.
     */
    static final long NEW_CYCLE_BYTES = 1L << 20;
    /** A roll this close counts as due, so the space is checked before any append that could roll. */
    private static final long ROLL_MARGIN_MS = 1_000;

    private final JournalConfig config;
    /** The time Chronicle rolls by; the roll check asks the same. */
    private final ForwardOnlyTime time;
    /** That time a roll margin ahead: made once, asked before every append. */
    private final TimeProvider rollMarginAhead;
    /** The journal directory's one owner: held from open to close. */
    private final DirectoryLock lock;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ExcerptTailer retentionTailer;
    private final SequenceGate retentionGate;
    private final CycleFiles cycleFiles;
    private final JournalMetrics metrics;
    private final AtomicLong retainedBytes = new AtomicLong();
    /** Reused buffer for a frame's header and fields; the payload goes to Chronicle from the record's own buffer. */
    private final ByteBuf head = Unpooled.buffer(256);
    private long lastAppendedSeq;
    private volatile long durableSeq;
    /**
     * The released seq and the Chronicle index of the first entry not released ({@link RetentionMark#NO_INDEX} at the
     * start), published together: a reader seeking on another thread must never pair a released seq with the index
     * of a later release (it would expect a seq the index is already past, and skip every entry as ahead of it).
     */
    private volatile RetentionMark retention = new RetentionMark(0, RetentionMark.NO_INDEX);
    /** False until the journal knows where its sequence starts (a retention mark exists). */
    private boolean sequenceStarted;
    private int lastAppendCycle = Integer.MIN_VALUE;
    private final CycleFileSync cycleFileSync = new CycleFileSync();
    private final PayloadWriter payloadWriter = new PayloadWriter();
    private final ReleasedPages releasedPages = new ReleasedPages();
    private final SyncThread syncThread;
    /** Highest seq a started sync covers; owner thread only. */
    private long syncStartedSeq;

    private Journal(JournalConfig config, DirectoryLock lock, ForwardOnlyTime time, SingleChronicleQueue queue,
            CycleFiles cycleFiles, MeterRegistry registry) {
        this.config = config;
        this.lock = lock;
        this.time = time;
        this.rollMarginAhead = () -> time.currentTimeMillis() + ROLL_MARGIN_MS;
        this.queue = queue;
        this.cycleFiles = cycleFiles;
        this.metrics = new JournalMetrics(registry, config.directory().toString(), retainedBytes::get);
        this.appender = queue.createAppender();
        this.retentionTailer = queue.createTailer();
        this.retentionGate = new SequenceGate(config.frameLimits(), 0);
        this.syncThread = new SyncThread("journal-sync " + config.directory());
    }

    /**
     * Opens (or creates) the journal and recovers it: walks the entries from the retention point,
     * keeps the valid gap-free prefix, and skips (with a log line and a metric) whatever a crash
     * left torn behind it. Everything kept counts as durable.
     *
     * @param clock decides which cycle file an append goes to; tests move it to roll files
     */
    public static Journal open(JournalConfig config, MeterRegistry registry, InstantSource clock)
            throws JournalStorageException {
        DirectoryLock lock = lockDirectory(config.directory());
        RetentionMark mark;
        CycleFiles cycleFiles = new CycleFiles();
        ForwardOnlyTime time = new ForwardOnlyTime(clock);
        SingleChronicleQueue queue = null;
        try {
            mark = RetentionMark.read(config.directory());
            queue = SingleChronicleQueueBuilder.single(config.directory().toFile())
                    .rollCycle(config.rollCycle().chronicle())
                    .timeProvider(time)
                    .storeFileListener(cycleFiles)
                    .build();
            startTimeAfterLastCycle(queue, time);
        } catch (JournalStorageException | RuntimeException e) {
            if (queue != null) {
                queue.close();
            }
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        Journal journal = new Journal(config, lock, time, queue, cycleFiles, registry);
        try {
            // Chronicle creates its files with the umask's mode: its metadata (and older cycles) now, each cycle file
            // appended to when it is first synced (CycleFileHandle).
            PrivateFiles.restrictFilesIn(config.directory());
            journal.recover(mark);
        } catch (IOException e) {
            journal.close();
            throw new JournalStorageException("cannot make the files of " + config.directory() + " private", e);
        } catch (RuntimeException e) {
            journal.close();
            throw e;
        }
        return journal;
    }

    /**
     * A clock now behind the last cycle written (stepped back while the gateway was down) must not make Chronicle
     * append to an earlier cycle file: the time starts no earlier than that cycle.
     */
    private static void startTimeAfterLastCycle(SingleChronicleQueue queue, ForwardOnlyTime time) {
        queue.refreshDirectoryListing(); // from the files themselves: Chronicle's own record of them is never synced
        int lastCycle = queue.lastCycle();
        if (lastCycle != Integer.MIN_VALUE) {
            time.notBefore(queue.epoch() + (long) lastCycle * queue.rollCycle().lengthInMillis());
        }
    }

    /** Creates the directory (0700) if missing and takes it: one journal per directory, one process per journal. */
    private static DirectoryLock lockDirectory(Path directory) throws JournalStorageException {
        try {
            PrivateFiles.createDirectories(directory);
            return DirectoryLock.acquire(directory, "the source gateway's journal");
        } catch (IOException e) {
            throw new JournalStorageException("cannot open the journal directory " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    private void recover(RetentionMark mark) {
        if (mark != null) {
            sequenceStarted = true;
            retention = mark;
            lastAppendedSeq = mark.releasedSeq();
            retentionGate.advance(mark.releasedSeq());
            if (mark.index() != RetentionMark.NO_INDEX) {
                retentionTailer.moveToIndex(mark.index());
            }
        }
        ExcerptTailer scan = queue.createTailer();
        SequenceGate gate = new SequenceGate(config.frameLimits(), retentionGate.expectedSeq());
        long retained = 0;
        long skipped = 0;
        try (scan) {
            if (mark != null && mark.index() != RetentionMark.NO_INDEX) {
                scan.moveToIndex(mark.index());
            }
            while (true) {
                try (DocumentContext dc = scan.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    retained += dc.wire().bytes().readRemaining() + ENTRY_OVERHEAD_BYTES;
                    SequenceGate.Inspection inspection = gate.inspect(dc.wire().bytes());
                    if (inspection.verdict() == SequenceGate.Verdict.ACCEPTED) {
                        lastAppendedSeq = inspection.record().seq();
                        gate.advance(lastAppendedSeq);
                        inspection.record().release();
                    } else if (inspection.verdict() != SequenceGate.Verdict.BEHIND) {
                        skipped++;
                        countSkipped(inspection, dc.index());
                    }
                }
            }
        }
        durableSeq = lastAppendedSeq;
        syncStartedSeq = lastAppendedSeq;
        retainedBytes.set(retained);
        if (retention.index() != RetentionMark.NO_INDEX) {
            deleteCyclesBefore(queue.rollCycle().toCycle(retention.index()));
        }
        log.info("journal {}: recovered up to seq {} (released up to {}), {} retained bytes, {} torn entries skipped",
                config.directory(), lastAppendedSeq, retention.releasedSeq(), retained, skipped);
    }

    void countSkipped(SequenceGate.Inspection inspection, long index) {
        if (inspection.verdict() == SequenceGate.Verdict.CORRUPT) {
            metrics.corruptEntriesSkipped.increment();
        } else {
            metrics.outOfSequenceEntriesSkipped.increment();
        }
        log.warn("journal {}: skipping the entry at index {}: {}", config.directory(), Long.toHexString(index),
                inspection.problem());
    }

    /**
     * Stores {@code record} (the caller keeps ownership of it) if it is the next seq and fits.
     * It is durable, and may be acknowledged, only once {@link #sync()} returns its seq or more.
     *
     * @throws OutOfSequenceException when its seq is not {@code lastAppendedSeq() + 1} (any seq
     *     is accepted first in a journal that never held an entry)
     * @throws JournalWriteException when the disk is full or fails: the record is not stored, nothing counts it,
     *     and the journal takes the same seq again later
     */
    public AppendResult append(WriteRecord record) throws OutOfSequenceException, JournalWriteException {
        long seq = record.seq();
        if (sequenceStarted && seq != lastAppendedSeq + 1) {
            throw new OutOfSequenceException(lastAppendedSeq + 1, seq);
        }
        int length = FrameCodec.encodedLength(record);
        if (retainedBytes.get() + length + ENTRY_OVERHEAD_BYTES > config.maxBytes()) {
            metrics.fullRefusals.increment();
            return AppendResult.FULL;
        }
        if (!sequenceStarted) {
            startSequence(seq);
        }
        requireRoomForRoll(seq, length);
        syncBeforeRoll();
        head.clear();
        ByteBuf payload = FrameCodec.encodeHead(record, head);
        try (DocumentContext dc = appender.writingDocument()) {
            Bytes<?> entry = dc.wire().bytes();
            long entryStart = entry.writePosition() - ENTRY_OVERHEAD_BYTES; // Chronicle's header precedes the content
            try {
                // Blocks first: Chronicle writes the head through its mapping, where a full disk is a SIGBUS. (The
                // header it has just marked lies in the margin the previous append reserved, or in a new file whose
                // room requireRoomForRoll checked.)
                payloadWriter.reserve(entryStart, entry.writePosition() + length, appender.cycle(),
                        appender::currentFile);
                entry.write(head.array(), head.arrayOffset() + head.readerIndex(), head.readableBytes());
                payloadWriter.write(entry, entryStart, payload, appender.cycle(), appender::currentFile);
            } catch (IOException | UncheckedIOException e) {
                dc.rollbackOnClose(); // no entry, not even a torn one: the next append takes its place
                metrics.writeFailures.increment();
                throw new JournalWriteException("cannot append seq " + seq + " to the journal " + config.directory(),
                        e);
            } catch (RuntimeException e) {
                dc.rollbackOnClose();
                throw e;
            }
        }
        lastAppendCycle = queue.rollCycle().toCycle(appender.lastIndexAppended());
        lastAppendedSeq = seq;
        retainedBytes.addAndGet(length + ENTRY_OVERHEAD_BYTES);
        metrics.recordsAppended.increment();
        metrics.bytesAppended.increment(length);
        CrashPoint.reached(CrashPoint.Point.SOURCE_JOURNAL_APPENDED);
        return AppendResult.APPENDED;
    }

    /** Before an append that may start a new cycle file: refuses it unless the disk has room for the file. */
    private void requireRoomForRoll(long seq, int length) throws JournalWriteException {
        int soon = queue.cycle(rollMarginAhead);
        if (soon == lastAppendCycle) {
            return;
        }
        long needed = NEW_CYCLE_BYTES + AheadAllocation.MIN_AHEAD_BYTES + length;
        long usable;
        try {
            usable = Files.getFileStore(config.directory()).getUsableSpace();
        } catch (IOException e) {
            metrics.writeFailures.increment();
            throw new JournalWriteException("cannot tell the free space for a new cycle file of " + config.directory(),
                    e);
        }
        if (usable < needed) {
            metrics.writeFailures.increment();
            throw new JournalWriteException("cannot append seq " + seq + " to the journal " + config.directory()
                    + ": No space left on device for a new cycle file (" + usable + " bytes free, " + needed
                    + " needed)", true);
        }
    }

    /**
     * Starts a journal that never held an entry after {@code seq}, durably: its first record is {@code seq + 1}, and
     * a tap's HELLO is answered with {@code seq}. Its owner, before any append. Reverse replication's source
     * continues the promoted image's seqs so that the replica's resume point is one it holds. Idempotent.
     *
     * @throws IllegalStateException when the journal holds another sequence already
     */
    public void startAfter(long seq) throws JournalWriteException {
        if (sequenceStarted) {
            if (lastAppendedSeq == seq && retention.releasedSeq() == seq) {
                return;
            }
            throw new IllegalStateException("the journal " + config.directory() + " holds seqs up to "
                    + lastAppendedSeq + " already; it cannot start after seq " + seq);
        }
        startSequence(seq + 1);
        lastAppendedSeq = seq;
        durableSeq = seq;
        syncStartedSeq = seq;
    }

    /** Recovery needs to know where the sequence starts before any entry can be on disk: a mark says so first. */
    private void startSequence(long firstSeq) throws JournalWriteException {
        try {
            new RetentionMark(firstSeq - 1, RetentionMark.NO_INDEX).write(config.directory());
        } catch (UncheckedIOException e) {
            metrics.writeFailures.increment();
            throw new JournalWriteException("cannot start the journal " + config.directory() + " at seq " + firstSeq,
                    e);
        }
        sequenceStarted = true;
        retention = new RetentionMark(firstSeq - 1, RetentionMark.NO_INDEX);
        retentionGate.advance(firstSeq - 1);
    }

    /**
     * A sync covers only the current cycle file, so a file about to be left behind is
     * synced before the append that rolls to the next one.
     */
    private void syncBeforeRoll() {
        if (lastAppendedSeq > durableSeq && queue.cycle() != lastAppendCycle) {
            sync();
        }
    }

    /**
     * Group commit: makes everything appended so far durable with one fdatasync of the cycle file
     * (and a directory fsync the first time a cycle file is synced), waiting for it. Returns the highest durable
     * seq; callers acknowledge up to it. Does nothing, and counts no sync, when nothing new was appended.
     */
    public long sync() {
        Runnable force = nextSync();
        if (force != null) {
            // Nothing else to do meanwhile: the owner syncs itself rather than wake the sync thread and wait for it.
            finishSync(force);
        }
        return durableSeq;
    }

    /**
     * Pipelined group commit: starts the fdatasync that makes everything appended so far durable on the
     * journal's sync thread and returns at once, so the caller can append the next group meanwhile. At most one
     * sync is in flight: this first waits for the previous one. {@link #durableSeq()} moves when it is done; only
     * then may its records be acknowledged (see {@link #awaitSync()}).
     */
    public void startSync() {
        Runnable force = nextSync();
        if (force != null) {
            syncThread.start(force);
        }
    }

    /**
     * Waits for the sync in flight and returns the fdatasync that covers everything appended since, or null when
     * nothing was. Chronicle's appender is the owner thread's: the file is looked up here, not where it runs.
     */
    private Runnable nextSync() {
        awaitSync();
        long target = lastAppendedSeq;
        if (target == syncStartedSeq) {
            return null;
        }
        int cycle = lastAppendCycle;
        File file = cycleFileSync.holds(cycle) ? null : appender.currentFile();
        syncStartedSeq = target;
        return () -> forceUpTo(target, cycle, file);
    }

    /** Waits for the sync in flight, if any, and returns the highest durable seq; a failed sync is thrown here. */
    public long awaitSync() {
        finishSync(syncThread::await);
        return durableSeq;
    }

    /** Runs or waits for a sync; when it fails, nothing after {@code durableSeq} is durable and the next sync covers it. */
    private void finishSync(Runnable sync) {
        try {
            sync.run();
        } catch (RuntimeException e) {
            syncStartedSeq = durableSeq;
            throw e;
        }
    }

    /** Whether a sync started by {@link #startSync()} is still running. */
    public boolean syncInFlight() {
        return syncThread.busy();
    }

    /** Runs on the sync thread, or on the owner in {@link #sync()}: one at a time, after the previous one. */
    private void forceUpTo(long target, int cycle, File file) {
        Timer.Sample sample = Timer.start();
        CrashPoint.reached(CrashPoint.Point.SOURCE_JOURNAL_SYNC_STARTED);
        if (cycleFileSync.force(cycle, () -> file)) {
            forceDirectory();
        }
        sample.stop(metrics.syncs);
        durableSeq = target;
    }

    /**
     * Gives back the space of every entry up to {@code shippedSeq} (acknowledged by the target):
     * retained bytes shrink at once, cycle files wholly behind the new retention point are deleted.
     */
    public void release(long shippedSeq) {
        if (shippedSeq > durableSeq) {
            throw new IllegalArgumentException("cannot release seq " + shippedSeq + " beyond the durable seq "
                    + durableSeq);
        }
        if (shippedSeq <= retention.releasedSeq()) {
            return;
        }
        long freed = 0;
        while (true) {
            try (DocumentContext dc = retentionTailer.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                Bytes<?> content = dc.wire().bytes();
                long contentStart = content.readPosition();
                long contentEnd = content.readLimit();
                long entryBytes = content.readRemaining() + ENTRY_OVERHEAD_BYTES;
                SequenceGate.Inspection inspection = retentionGate.inspect(content);
                if (inspection.verdict() == SequenceGate.Verdict.ACCEPTED) {
                    long seq = inspection.record().seq();
                    inspection.record().release();
                    if (seq > shippedSeq) {
                        dc.rollbackOnClose(); // the retention point stays on the first entry still needed
                        break;
                    }
                    retentionGate.advance(seq);
                }
                releasedPages.released(retentionTailer.cycle(), contentStart, contentEnd);
                freed += entryBytes;
            }
        }
        retainedBytes.addAndGet(-freed);
        RetentionMark mark = new RetentionMark(shippedSeq, retentionTailer.index());
        mark.write(config.directory());
        CrashPoint.reached(CrashPoint.Point.SOURCE_JOURNAL_RELEASED);
        retention = mark;
        long index = mark.index();
        releasedPages.punch(cycleFiles::file);
        deleteCyclesBefore(queue.rollCycle().toCycle(index));
    }

    /**
     * Deletes the cycle files wholly behind the retention point. Files are learnt from Chronicle's
     * store listener, or asked of Chronicle for a cycle it has not reported.
     *
     * <p>Only cycles that have a file are visited, walking Chronicle's directory listing from the first one: a
     * cycle in which nothing was appended (the pair was idle) has none. (Chronicle's {@code listCyclesBetween}
     * fails with "'file not found' for the upperCycle" when a bound has no file, which is what broke idle pairs.)
     */
    private void deleteCyclesBefore(int retentionCycle) {
        int first = queue.firstCycle();
        if (first == Integer.MAX_VALUE || first >= retentionCycle) {
            return;
        }
        for (int cycle = first; cycle != NO_CYCLE && cycle < retentionCycle; cycle = nextCycleWithAFile(cycle)) {
            if (!cycleFiles.knows(cycle)) {
                File file = fileOfCycle(cycle);
                if (file != null) {
                    cycleFiles.onAcquired(cycle, file);
                }
            }
        }
        int deleted = cycleFiles.deleteBefore(retentionCycle);
        if (deleted > 0) {
            forceDirectory();
            queue.refreshDirectoryListing();
            log.info("journal {}: deleted {} cycle files behind seq {}", config.directory(), deleted,
                    retention.releasedSeq());
        }
    }

    /**
     * The file of {@code cycle}, asked of Chronicle itself: its store listener reports a file on a background thread,
     * too late for a caller that has just moved a tailer to the cycle (a journal reopened with files left behind its
     * retention point found none of them known).
     */
    private File fileOfCycle(int cycle) {
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return null;
        }
        try {
            return store.file();
        } finally {
            queue.closeStore(store);
        }
    }

    /** The next cycle after {@code cycle} that has a file, or {@link #NO_CYCLE}. */
    private int nextCycleWithAFile(int cycle) {
        try {
            return queue.nextCycle(cycle, TailerDirection.FORWARD);
        } catch (ParseException e) {
            throw new IllegalStateException("a file in the journal " + config.directory()
                    + " has a name Chronicle cannot parse", e);
        }
    }

    /** Makes created or deleted cycle file names durable. */
    private void forceDirectory() {
        try {
            DurableFiles.forceDirectory(config.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fsync the journal directory " + config.directory(), e);
        }
    }

    /** Hands the journal to the calling thread, which becomes its owner (Chronicle's appender and tailers are single-threaded). */
    public void bindToCurrentThread() {
        appender.singleThreadedCheckReset();
        retentionTailer.singleThreadedCheckReset();
    }

    public long lastAppendedSeq() {
        return lastAppendedSeq;
    }

    /** Highest seq that survives a crash of the process or the machine; safe to read from any thread. */
    public long durableSeq() {
        return durableSeq;
    }

    /** The released seq and the index of the first entry after it, as one release left them; any thread. */
    RetentionMark retention() {
        return retention;
    }

    /** Highest seq given back by {@link #release}; safe to read from any thread. */
    public long releasedSeq() {
        return retention.releasedSeq();
    }

    /** Bytes of entries not yet released (Chronicle's index and preallocation not counted). */
    public long retainedBytes() {
        return retainedBytes.get();
    }

    /** A reader over the named tailer "shipper", for the calling (shipper) thread; see {@link JournalReader}. */
    public JournalReader newReader() {
        return new JournalReader(this, queue.createTailer(JournalReader.TAILER_NAME), true, 0);
    }

    /**
     * A reader from {@code fromSeq} (or the first retained seq) that leaves the shipping position alone, for the
     * calling thread; see {@link JournalReader}.
     */
    public JournalReader newScanner(long fromSeq) {
        return new JournalReader(this, queue.createTailer(), false, fromSeq);
    }

    JournalConfig config() {
        return config;
    }

    private void releaseLock() {
        try {
            lock.close();
        } catch (IOException e) {
            log.error("releasing the lock of the journal {} failed: {}", config.directory(), e.toString());
        }
    }

    SingleChronicleQueue queue() {
        return queue;
    }

    RollCycle rollCycle() {
        return queue.rollCycle();
    }

    @Override
    public void close() {
        try {
            syncThread.close(); // a failure of the last sync is thrown after everything is closed
        } finally {
            try {
                payloadWriter.close();
                cycleFileSync.close();
                appender.close();
                retentionTailer.close();
                queue.close();
            } finally {
                metrics.close();
                head.release();
                releaseLock();
            }
        }
    }
}
