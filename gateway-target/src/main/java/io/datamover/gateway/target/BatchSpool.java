package io.datamover.gateway.target;

import io.datamover.disk.DurableFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.Batch;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ReferenceCountedFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The durable queue of received batches of one consistency group, between the receiving side (which appends) and
 * the applier (which takes them in seq order and removes them once applied).
 *
 * <p>One file per batch, named {@code <firstSeq>-<lastSeq>.batch} (zero-padded), holding the batch encoded as a
 * protocol frame (magic, version, CRC32C over everything). A file is written under a temporary name, fdatasynced,
 * renamed and the directory fsynced before {@link #append} returns: a visible file is always whole, and a crash
 * leaves at most a temporary file, deleted on open. One file per batch rather than an append log because applied
 * batches are freed exactly and at once by a delete (no compaction, no log rolling), and recovery needs only the
 * names; the cost, two syncs and a rename per batch, is small next to a batch's size.
 *
 * <p>Thread-safe: one appending thread and one applying thread.
 */
final class BatchSpool {
    private static final String SUFFIX = ".batch";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final Pattern NAME = Pattern.compile("(\\d{20})-(\\d{20})\\.batch");

    /**
     * One spooled batch.
     *
     * @param spooledAtNanos monotonic time it became durable (or the spool was opened), for the apply lag
     */
    record Entry(long firstSeq, long lastSeq, Path file, long sizeBytes, long spooledAtNanos) {}

    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    /** Under {@code lock}: the applier is to stop waiting once (a command for it). */
    private boolean woken;
    /** Guarded by {@link #lock}; in seq order, contiguous. */
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;
    private boolean closed;

    private BatchSpool(Path directory, List<Entry> recovered) {
        this.directory = directory;
        for (Entry e : recovered) {
            entries.add(e);
            bytes += e.sizeBytes();
        }
    }

    /**
     * Opens the spool in {@code directory} (created if missing): deletes temporary files a crash left, deletes
     * batches at or below {@code appliedSeq} (applied, their delete interrupted), and keeps the rest, which must
     * follow {@code appliedSeq} without a gap.
     *
     * @throws IOException if the remaining batches do not continue {@code appliedSeq} contiguously: a batch that
     *     was acknowledged is missing, which the operator must look at (nothing is deleted then)
     */
    static BatchSpool open(Path directory, long appliedSeq, long nowNanos) throws IOException {
        PrivateFiles.createDirectories(directory);
        List<Entry> found = new ArrayList<>();
        List<Path> temporary = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                Matcher m = NAME.matcher(name);
                if (m.matches()) {
                    found.add(new Entry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), file, Files.size(file),
                            nowNanos));
                } else if (name.endsWith(TEMP_SUFFIX)) {
                    temporary.add(file);
                } else {
                    throw new IOException("spool " + directory + " holds " + name + ", which is not a spooled batch");
                }
            }
        }
        found.sort(Comparator.comparingLong(Entry::firstSeq));
        List<Entry> applied = new ArrayList<>();
        List<Entry> pending = new ArrayList<>();
        long expected = appliedSeq + 1;
        for (Entry e : found) {
            if (e.lastSeq() <= appliedSeq) {
                applied.add(e);
            } else if (e.firstSeq() == expected && e.lastSeq() >= e.firstSeq()) {
                pending.add(e);
                expected = e.lastSeq() + 1;
            } else {
                throw new IOException("spool " + directory + ": batch file " + e.file().getFileName()
                        + " does not follow seq " + (expected - 1) + " (applied seq " + appliedSeq
                        + "): acknowledged batches are missing; refusing to guess");
            }
        }
        for (Path file : temporary) {
            Files.delete(file);
        }
        for (Entry e : applied) {
            Files.delete(e.file());
        }
        DurableFiles.forceDirectory(directory);
        return new BatchSpool(directory, pending);
    }

    /**
     * Deletes every batch (and temporary file) the spool in {@code directory} holds, if it exists, durably; returns the
     * batches deleted. For a spool of an earlier tenure at a gateway of a recovery site's gateway group: its batches
     * may belong to a history the replicas have moved past since, and the source sends again what is not applied.
     */
    static int discardAll(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        int batches = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (NAME.matcher(name).matches()) {
                    batches++;
                } else if (!name.endsWith(TEMP_SUFFIX)) {
                    throw new IOException("spool " + directory + " holds " + name + ", which is not a spooled batch");
                }
                Files.delete(file);
            }
        }
        DurableFiles.forceDirectory(directory);
        return batches;
    }

    /**
     * Writes {@code batch} durably; it is not visible to the applier until {@link #publish}ed, so the writer can
     * acknowledge it first (a DURABLE ack then always goes out before the APPLIED ack of the same batch). The batch
     * must continue the spool; it is not released.
     */
    Entry write(Batch batch, long nowNanos) throws IOException {
        String name = String.format("%020d-%020d", batch.firstSeq(), batch.lastSeq()) + SUFFIX;
        Path temp = directory.resolve(name + TEMP_SUFFIX);
        Path file = directory.resolve(name);
        // Not DurableFiles.replace: that takes one buffer (the body would be copied) and fsyncs metadata too; a
        // new file under a fresh name needs only fdatasync, the rename and the directory sync.
        ByteBuf head = Unpooled.buffer(128);
        long size;
        try (FileChannel ch = PrivateFiles.createFresh(temp)) {
            ByteBuf body = FrameCodec.encodeHead(batch, head);
            writeFully(ch, head.nioBuffer());
            for (ByteBuffer part : body.nioBuffers()) {
                writeFully(ch, part);
            }
            ch.force(false);
            size = ch.size();
        } catch (IOException e) {
            // A full disk (ENOSPC) is retried when the source sends the batch again: free what this try took.
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            head.release();
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(directory);
        return new Entry(batch.firstSeq(), batch.lastSeq(), file, size, nowNanos);
    }

    /** Makes a written batch the newest entry, for the applier to take. */
    void publish(Entry entry) {
        lock.lock();
        try {
            entries.add(entry);
            bytes += entry.sizeBytes();
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the applier's current {@link #awaitOldest} early: a command was queued for it. */
    void wake() {
        lock.lock();
        try {
            woken = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The oldest spooled batch, waiting up to {@code timeoutMs} for one; null on timeout, when {@link #wake woken}
     * or when closed.
     */
    Entry awaitOldest(long timeoutMs) throws InterruptedException {
        long remainingNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (entries.isEmpty() && !closed && !woken && remainingNs > 0) {
                remainingNs = appended.awaitNanos(remainingNs);
            }
            woken = false;
            return closed ? null : entries.peekFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Reads a spooled batch back, checking its frame CRC; the caller releases the batch. */
    Batch read(Entry entry, FrameLimits limits, ByteBufAllocator alloc) throws IOException, ProtocolException {
        ByteBuf buf = alloc.directBuffer(Math.toIntExact(entry.sizeBytes()));
        try (FileChannel ch = FileChannel.open(entry.file(), StandardOpenOption.READ)) {
            ByteBuffer dst = buf.nioBuffer(0, buf.capacity());
            while (dst.hasRemaining()) {
                if (ch.read(dst) < 0) {
                    throw new IOException(entry.file() + " ends after " + dst.position() + " of " + entry.sizeBytes()
                            + " bytes");
                }
            }
            buf.writerIndex(buf.capacity());
            Frame frame = FrameCodec.decodeComplete(buf, limits);
            if (!(frame instanceof Batch batch) || batch.firstSeq() != entry.firstSeq()
                    || batch.lastSeq() != entry.lastSeq()) {
                ReferenceCountedFrames.release(frame);
                throw new IOException(entry.file() + " does not hold batch [" + entry.firstSeq() + ", "
                        + entry.lastSeq() + "]");
            }
            return batch;
        } finally {
            buf.release();
        }
    }

    /** Deletes the oldest batch, which {@code entry} must be, once it is applied. */
    void removeOldest(Entry entry) throws IOException {
        lock.lock();
        try {
            if (entries.peekFirst() != entry) {
                throw new IllegalStateException(entry + " is not the oldest spooled batch");
            }
            entries.removeFirst();
            bytes -= entry.sizeBytes();
        } finally {
            lock.unlock();
        }
        // No directory sync: a delete lost in a crash is redone by open(), which drops batches at or below the
        // applied seq.
        Files.delete(entry.file());
    }

    /**
     * Makes the deletes of {@link #removeOldest} durable: for batches removed without being applied (a discard),
     * which {@link #open} would otherwise find again after a crash and apply.
     */
    void syncRemovals() throws IOException {
        DurableFiles.forceDirectory(directory);
    }

    /** The last seq spooled, or {@code otherwise} when the spool is empty. */
    long lastSeqOr(long otherwise) {
        lock.lock();
        try {
            return entries.isEmpty() ? otherwise : entries.peekLast().lastSeq();
        } finally {
            lock.unlock();
        }
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    int batches() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a waiting applier for good; the files stay. */
    void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }
}
