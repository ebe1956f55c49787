package io.datamover.applier;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A rehearsal's copy-on-write view of a replica set: the image the replicas held at {@link #seq()}, while the
 * applier keeps writing them. Per disk, in {@link #CHUNK}-sized chunks, a read takes the test VM's own writes from
 * the scratch file, else the before-image the applier preserved, else the replica. Both files are thin (sparse, at
 * the disk's offsets) and live in the view's directory; nothing of the view is ever written to a replica.
 *
 * <p><b>Who writes what.</b> Only the applier's thread preserves ({@link #overwrite}: before-images of the chunks a
 * batch is about to change, then the batch's writes, under the write lock); the test VM's reads and writes (NBD
 * I/O threads) take the lock too, so a read never sees a chunk half preserved or a replica write the view should
 * hide. Chunks the test VM wrote are never preserved: the view shows the scratch copy whole.
 *
 * <p><b>Bounds.</b> Scratch past {@code scratchMaxBytes} refuses the test VM's write ({@link ScratchFullException},
 * ENOSPC to the VM). Before-images past {@code preserveMaxBytes} end the view ({@link #endedReason()}): the batch is
 * applied all the same; replication never waits on a rehearsal.
 *
 * <p><b>Crash.</b> Nothing here is durable or needed after a crash: the files are deleted at {@link #close()} and by
 * {@link #discardLeftovers} when the gateway starts again; the replicas never hold view data.
 */
public final class RehearsalView implements AutoCloseable {
    /** Granularity of copy-on-write, of both the scratch and the preserved before-images. */
    public static final int CHUNK = 64 * 1024;

    /** The test VM's write would take the scratch area past its bound. */
    public static final class ScratchFullException extends IOException {
        ScratchFullException(String message) {
            super(message);
        }
    }

    /** One disk of the view: its replica, its scratch and before-image files, and which chunks each holds. */
    private record ViewDisk(Replica replica, SparseFile scratch, SparseFile preserved, BitSet scratchChunks,
            BitSet preservedChunks) {}

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Path directory;
    private final long seq;
    private final long startedAtMillis;
    private final long scratchMaxBytes;
    private final long preserveMaxBytes;
    private final Map<String, ViewDisk> byName = new LinkedHashMap<>();
    private final Map<Integer, ViewDisk> byId = new LinkedHashMap<>();
    private volatile long scratchBytes;
    private volatile long preservedBytes;
    private volatile String endedReason;

    private RehearsalView(Path directory, long seq, long startedAtMillis, long scratchMaxBytes,
            long preserveMaxBytes) {
        this.directory = directory;
        this.seq = seq;
        this.startedAtMillis = startedAtMillis;
        this.scratchMaxBytes = scratchMaxBytes;
        this.preserveMaxBytes = preserveMaxBytes;
    }

    /**
     * Opens a view of {@code replicas} as they are now; called on the applier's thread, between batches.
     *
     * @throws RehearsalRefusedException when the replicas hold no consistent image now (a resync is running, a
     *     disk is not UP_TO_DATE)
     */
    public static RehearsalView open(ReplicaSet replicas, Path directory, long scratchMaxBytes, long preserveMaxBytes,
            long nowMillis) throws IOException, RehearsalRefusedException {
        for (DiskInfo disk : replicas.disks()) {
            ReplicaState state = replicas.states().get(disk.id());
            if (state != ReplicaState.UP_TO_DATE) {
                throw new RehearsalRefusedException("disk " + disk.name() + " is " + state + ": the replicas hold no "
                        + "consistent image to rehearse on now (a rehearsal on the undo log's image during a resync "
                        + "is not built); start it once the resync is done");
            }
        }
        discardLeftovers(directory);
        Files.createDirectories(directory);
        RehearsalView view = new RehearsalView(directory, replicas.appliedSeq(), nowMillis, scratchMaxBytes,
                preserveMaxBytes);
        try {
            for (DiskInfo disk : replicas.disks()) {
                ViewDisk d = new ViewDisk(replicas.replica(disk.id()),
                        SparseFile.create(directory.resolve(disk.name() + ".scratch"), disk.sizeBytes()),
                        SparseFile.create(directory.resolve(disk.name() + ".preserved"), disk.sizeBytes()),
                        new BitSet(), new BitSet());
                view.byName.put(disk.name(), d);
                view.byId.put(disk.id(), d);
            }
        } catch (IOException | RuntimeException e) {
            view.close();
            throw e;
        }
        return view;
    }

    /** Deletes a view's files left by a crash (or a stop that did not finish). */
    public static void discardLeftovers(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (var files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    /** What may throw in the applier's writes of one batch. */
    @FunctionalInterface
    public interface Writes {
        void run() throws IOException;
    }

    /**
     * On the applier's thread: keeps the before-image of every chunk {@code entries} change that the view still
     * shows from the replica, then runs {@code writes}, with the view's readers held off throughout. An I/O error
     * preserving or a full before-image area ends the view; the writes run in every case.
     */
    public void overwrite(List<BlockWrite> entries, Writes writes) throws IOException {
        lock.writeLock().lock();
        try {
            if (endedReason == null) {
                try {
                    preserve(entries);
                } catch (IOException e) {
                    endedReason = "keeping the view's before-images failed: " + e.getMessage();
                }
            }
            writes.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void preserve(List<BlockWrite> entries) throws IOException {
        for (BlockWrite e : entries) {
            ViewDisk d = byId.get(e.disk());
            if (e.kind().isMarker() || d == null || e.length() == 0) {
                continue;
            }
            for (long chunk = e.offset() / CHUNK; chunk <= (e.endOffset() - 1) / CHUNK; chunk++) {
                int c = Math.toIntExact(chunk);
                if (d.preservedChunks.get(c) || d.scratchChunks.get(c)) {
                    continue;
                }
                if (preservedBytes + CHUNK > preserveMaxBytes) {
                    endedReason = "its before-images reached --preserve-max (" + preserveMaxBytes + " bytes) at seq "
                            + e.seq() + ": the replica changed more than the view can keep; replication goes on";
                    return;
                }
                ByteBuffer before = readChunk(d.replica.file(), d, c);
                if (!isZero(before)) { // the preserved file is sparse: a hole already reads as the zeros it was
                    d.preserved.writeFully(before, (long) c * CHUNK);
                }
                d.preservedChunks.set(c);
                preservedBytes += CHUNK;
            }
        }
    }

    /**
     * Fills {@code dst} with the view of disk {@code name} at {@code offset}.
     *
     * @throws IOException also when the view has ended
     */
    public void read(String name, ByteBuffer dst, long offset) throws IOException {
        lock.readLock().lock();
        try {
            ViewDisk d = disk(name);
            long at = offset;
            while (dst.hasRemaining()) {
                int c = Math.toIntExact(at / CHUNK);
                int n = (int) Math.min(dst.remaining(), (long) (c + 1) * CHUNK - at);
                ByteBuffer part = dst.slice(dst.position(), n);
                source(d, c).readFully(part, at);
                dst.position(dst.position() + n);
                at += n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The test VM writes {@code data} (consumed) to disk {@code name} at {@code offset}: into the scratch file only,
     * a chunk first copied from the view where the write covers part of it.
     *
     * @throws ScratchFullException when the chunks new to the scratch would pass {@code scratchMaxBytes}; nothing
     *     is written then
     */
    public void write(String name, ByteBuffer data, long offset) throws IOException {
        lock.writeLock().lock();
        try {
            ViewDisk d = disk(name);
            long end = offset + data.remaining();
            long fresh = 0;
            for (long c = offset / CHUNK; c <= (end - 1) / CHUNK; c++) {
                fresh += d.scratchChunks.get(Math.toIntExact(c)) ? 0 : CHUNK;
            }
            if (scratchBytes + fresh > scratchMaxBytes) {
                throw new ScratchFullException("No space left on device: the rehearsal's scratch area would pass "
                        + "--scratch-max (" + scratchMaxBytes + " bytes, " + scratchBytes + " used)");
            }
            for (long c = offset / CHUNK; c <= (end - 1) / CHUNK; c++) {
                int chunk = Math.toIntExact(c);
                if (!d.scratchChunks.get(chunk)) {
                    ByteBuffer shown = readChunk(source(d, chunk), d, chunk);
                    d.scratch.writeFully(shown, c * CHUNK);
                    d.scratchChunks.set(chunk);
                    scratchBytes += CHUNK;
                }
            }
            d.scratch.writeFully(data, offset);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The file disk {@code d}'s chunk {@code c} is shown from. */
    private static SparseFile source(ViewDisk d, int c) {
        if (d.scratchChunks.get(c)) {
            return d.scratch;
        }
        return d.preservedChunks.get(c) ? d.preserved : d.replica.file();
    }

    private static ByteBuffer readChunk(SparseFile from, ViewDisk d, int c) throws IOException {
        long start = (long) c * CHUNK;
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, d.replica.disk().sizeBytes() - start));
        from.readFully(buffer, start);
        return buffer.flip();
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private ViewDisk disk(String name) throws IOException {
        String ended = endedReason;
        if (ended != null) {
            throw new IOException("the rehearsal ended: " + ended);
        }
        ViewDisk d = byName.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no disk " + name + " in the view");
        }
        return d;
    }

    /** The disks of the view, by name, with their sizes. */
    public Map<String, Long> diskSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        byName.forEach((name, d) -> sizes.put(name, d.replica.disk().sizeBytes()));
        return sizes;
    }

    /** The replica image behind disk {@code name} of the view. */
    public Path replicaPath(String name) {
        return byName.get(name).replica.file().path();
    }

    /** The applied seq of the image the view shows. */
    public long seq() {
        return seq;
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }

    public long scratchBytes() {
        return scratchBytes;
    }

    public long scratchMaxBytes() {
        return scratchMaxBytes;
    }

    public long preservedBytes() {
        return preservedBytes;
    }

    public long preserveMaxBytes() {
        return preserveMaxBytes;
    }

    /** Why the view ended on its own, or null while it serves. */
    public String endedReason() {
        return endedReason;
    }

    /** Closes and deletes the scratch and before-image files; the replicas are not touched. */
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (endedReason == null) {
                endedReason = "stopped";
            }
            for (ViewDisk d : byName.values()) {
                d.scratch.close();
                d.preserved.close();
            }
            discardLeftovers(directory);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
