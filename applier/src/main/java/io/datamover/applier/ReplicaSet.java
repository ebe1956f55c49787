package io.datamover.applier;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.RegionDigests;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.DiskSetChange;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of one consistency group in one directory: a sparse file {@code <disk name>.img} per disk at
 * the source's size (a thick one allocated whole at every open, {@link Provisioning#THICK}), and a stamp
 * ({@link ReplicaMetadataFile}) naming the owning pair, the applied seq and the
 * {@link ReplicaState} of every disk (INCONSISTENT when created).
 * Opening checks the stamp first, so a directory that belongs to another pair is never written.
 *
 * <p>On first contact the stamp is written (applied seq 0) before any image is created: an image without a
 * stamp is therefore never ours and is refused rather than adopted.
 *
 * <p>During a resync of an UP_TO_DATE disk the set also holds an undo log ({@code undo.log}, {@link UndoLog}) that
 * keeps the last consistent image; opening recovers it (a torn last entry is dropped) or deletes it when the stamp
 * shows the resync ended.
 *
 * <p>Not thread-safe: owned by the thread of its {@link Applier}. The identity (pair, group, disks,
 * {@link #requireOwner}) never changes and may be read from any thread, as may the provisioning.
 */
public final class ReplicaSet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSet.class);
    static final String IMAGE_SUFFIX = ".img";
    /** Granularity of the undo log's before-images: large enough for few entries, small enough for little waste. */
    static final int UNDO_REGION_BYTES = 64 * 1024;

    private final Path directory;
    private final DirectoryLock lock;
    private final ReplicaSetConfig config;
    /** The configured provisioning, until a source asks for thick replicas ({@link #provisionThick}). */
    private volatile Provisioning provisioning;
    private final Map<Integer, Replica> replicas;
    /**
     * Replaced whole, under this set's lock: by the applier's thread (applied seq and states) and by the thread that
     * decides a source's generations ({@link #adoptGenerations}); the other fields never change.
     */
    private volatile ReplicaMetadata metadata;
    /** Present from the batch that begins a resync of an UP_TO_DATE disk until the stamp says it is over. */
    private volatile UndoLog undoLog;
    /** Which regions were written after which seq: what a discard of the replica's data must resync. */
    private final WrittenRegions writtenRegions;
    /** What the resync after a discard must cover, from the discard until every disk is UP_TO_DATE; else null. */
    private volatile ResyncRegions pendingDiscard;

    private ReplicaSet(Path directory, DirectoryLock lock, ReplicaSetConfig config, Map<Integer, Replica> replicas,
            ReplicaMetadata metadata, UndoLog undoLog, WrittenRegions writtenRegions, ResyncRegions pendingDiscard) {
        this.directory = directory;
        this.lock = lock;
        this.config = config;
        this.provisioning = config.provisioning();
        this.replicas = replicas;
        this.metadata = metadata;
        this.undoLog = undoLog;
        this.writtenRegions = writtenRegions;
        this.pendingDiscard = pendingDiscard;
    }

    /**
     * Opens the replica set in {@code directory} (created if missing), or creates it on first contact.
     *
     * @throws ReplicaSetException if the directory belongs to another pair or consistency group, its stamp
     *     is damaged or of another version, or its disks do not match {@code config}
     */
    public static ReplicaSet open(Path directory, ReplicaSetConfig config) throws IOException {
        PrivateFiles.createDirectories(directory);
        // Held while open, and by datamover rollback while it writes: neither writes under the other.
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(directory, "the target gateway");
        } catch (DirectoryInUseException e) {
            throw new ReplicaSetException(Reason.IN_USE, e.getMessage());
        }
        try {
            return open(directory, lock, config);
        } catch (IOException | RuntimeException e) {
            closeQuietlyInto(lock, e);
            throw e;
        }
    }

    private static ReplicaSet open(Path directory, DirectoryLock lock, ReplicaSetConfig config) throws IOException {
        Optional<ReplicaMetadata> stamp = ReplicaMetadataFile.read(directory);
        ReplicaMetadata metadata;
        boolean grows = false;
        if (stamp.isPresent()) {
            metadata = stamp.get();
            grows = DiskSetChange.grows(metadata.disks(), config.disks());
            checkOwner(directory, grows ? metadata.withDisks(config.disks()) : metadata, config);
        } else {
            refuseUnstampedImages(directory, config);
            metadata = ReplicaMetadata.initial(config.pairId(), config.cgId(), config.disks());
            ReplicaMetadataFile.write(directory, metadata);
        }
        Map<Integer, Replica> replicas = new HashMap<>();
        try {
            List<DiskInfo> stamped = metadata.disks();
            Map<String, Long> cutShort = GrowthIntent.read(directory);
            if (grows) {
                GrowthIntent.write(directory, config.disks());
            }
            for (int i = 0; i < config.disks().size(); i++) {
                DiskInfo disk = config.disks().get(i);
                SparseFile image = openImage(directory, disk, config.devices().get(disk.name()),
                        metadata.appliedSeq(), stamped.get(i).sizeBytes(), cutShort.get(disk.name()));
                replicas.put(disk.id(), new Replica(disk, image));
                if (config.provisioning() == Provisioning.THICK) {
                    allocateWhole(image, disk);
                }
            }
            DurableFiles.forceDirectory(directory);
            if (grows) {
                metadata = recordGrowth(directory, metadata, config.disks());
            }
            GrowthIntent.delete(directory);
            UndoLog undoLog = openUndoLog(directory, config, metadata);
            WrittenRegions written = WrittenRegions.open(directory, config.cgId(), config.disks(),
                    metadata.appliedSeq());
            ResyncRegions discarded = DiscardReport.read(directory, config.cgId()).orElse(null);
            return new ReplicaSet(directory, lock, config, replicas, metadata, undoLog, written, discarded);
        } catch (IOException | RuntimeException e) {
            closeAll(replicas.values(), e);
            throw e;
        }
    }

    /**
     * The undo log of a resync that was under way, or null. A log the stamp has outgrown (a crash between recording
     * the last SYNC_END and deleting the log) is deleted here.
     */
    private static UndoLog openUndoLog(Path directory, ReplicaSetConfig config, ReplicaMetadata metadata)
            throws IOException {
        Optional<UndoLog> found = UndoLog.open(directory);
        if (found.isEmpty()) {
            return null;
        }
        UndoLog log = found.get();
        UndoLogHeader header = log.header();
        if (header.cgId() != config.cgId() || !header.states().keySet().equals(metadata.statesById().keySet())) {
            log.close();
            throw new ReplicaSetException(Reason.DISK_MISMATCH, log.file() + " protects consistency group "
                    + header.cgId() + " disks " + header.states().keySet() + ", not this replica set's");
        }
        if (header.outgrownBy(metadata.appliedSeq(), metadata.statesById())) {
            LOG.info("cg {}: deleting the undo log of the consistent image at seq {}: the resync it protected ended "
                    + "(applied seq {}, every disk UP_TO_DATE)", Integer.toUnsignedString(config.cgId()),
                    header.consistentSeq(), metadata.appliedSeq());
            log.delete();
            return null;
        }
        LOG.info("cg {}: a resync is under way: the consistent image at seq {} is kept in {} ({} entries, {} bytes)",
                Integer.toUnsignedString(config.cgId()), header.consistentSeq(), log.file(), log.entries(),
                log.sizeBytes());
        return log;
    }

    /**
     * The stamp of the replica set in {@code directory}, or empty when it has none (a gateway rediscovering its
     * consistency groups at start).
     *
     * @throws ReplicaSetException if the stamp is damaged or of another version
     */
    public static Optional<ReplicaMetadata> readStamp(Path directory) throws IOException {
        return ReplicaMetadataFile.read(directory);
    }

    /**
     * Checks that this open set is what {@code other} asks for (a later connection for the same group): the same
     * pair, group and disks.
     *
     * @throws ReplicaSetException WRONG_PAIR or DISK_MISMATCH, naming both sides
     */
    public void requireOwner(ReplicaSetConfig other) throws ReplicaSetException {
        checkOwner(directory, ReplicaMetadata.initial(config.pairId(), config.cgId(), config.disks()), other);
    }

    private static void checkOwner(Path directory, ReplicaMetadata stamp, ReplicaSetConfig config)
            throws ReplicaSetException {
        if (!stamp.pairId().equals(config.pairId()) || stamp.cgId() != config.cgId()) {
            throw new ReplicaSetException(Reason.WRONG_PAIR, "replicas in " + directory + " belong to pair '"
                    + stamp.pairId() + "' consistency group " + stamp.cgId() + ", not to pair '" + config.pairId()
                    + "' consistency group " + config.cgId() + "; refusing to write them");
        }
        Optional<String> change = DiskSetChange.describe(stamp.disks(), config.disks());
        if (change.isPresent()) {
            throw new ReplicaSetException(Reason.DISK_MISMATCH, "replicas in " + directory + ": " + change.get());
        }
    }

    private static void refuseUnstampedImages(Path directory, ReplicaSetConfig config) throws ReplicaSetException {
        for (DiskInfo disk : config.disks()) {
            Path image = imagePath(directory, disk);
            if (Files.exists(image)) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " exists but " + directory
                        + " has no replica stamp: it belongs to no known pair; move it away to start afresh");
            }
        }
    }

    /**
     * The replicas are grown (and synced) already: the stamp takes the larger sizes, which is what makes the growth
     * done (the {@link GrowthIntent} is deleted after). The written-regions record is begun again at the applied seq
     * first (its bitmaps are sized by the disks; a discard before that seq resyncs whole disks), so a crash anywhere
     * leaves a state an open accepts.
     */
    private static ReplicaMetadata recordGrowth(Path directory, ReplicaMetadata stamp, List<DiskInfo> grown)
            throws IOException {
        CrashPoint.reached(CrashPoint.Point.TARGET_REPLICA_GROWN);
        Files.deleteIfExists(directory.resolve(WrittenRegions.FILE_NAME));
        DurableFiles.forceDirectory(directory);
        ReplicaMetadata next = stamp.withDisks(grown);
        ReplicaMetadataFile.write(directory, next);
        LOG.info("cg {}: replicas in {} grown from {} to {} (applied seq {}); written regions tracked again from it",
                Integer.toUnsignedString(stamp.cgId()), directory, stamp.disks(), grown, stamp.appliedSeq());
        return next;
    }

    /**
     * Opens, or creates, the image of {@code disk}: a sparse file, or the block device it is mapped to (or null). A
     * file of the stamp's size {@code stampedBytes} smaller than the disk is grown (the source's disk grew; a hole,
     * synced before the stamp records the size); one of the size a growth a crash cut short was to give it
     * ({@code cutShortBytes}, {@link GrowthIntent}; null when none) is cut back to the stamp's size (nothing was applied
     * past it).
     */
    private static SparseFile openImage(Path directory, DiskInfo disk, Path device, long appliedSeq,
            long stampedBytes, Long cutShortBytes) throws IOException {
        Path image = imagePath(directory, disk);
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            if (appliedSeq > 0) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " is missing but batches up to seq "
                        + appliedSeq + " were applied to it");
            }
            if (device == null) {
                return SparseFile.create(image, disk.sizeBytes());
            }
        }
        if (device != null) {
            return BlockDeviceReplica.open(image, device, disk);
        }
        BlockDeviceReplica.refuseUnmappedLink(image, disk);
        SparseFile file = SparseFile.openReadWrite(image);
        try {
            long size = file.size();
            if (size != disk.sizeBytes() && appliedSeq == 0) {
                // A crash between creating the image and sizing it; the stamp already holds the declared
                // size and nothing was applied, so finishing the creation loses nothing.
                file.setSize(disk.sizeBytes());
            } else if (size == stampedBytes && size < disk.sizeBytes()) {
                file.setSize(disk.sizeBytes());
                file.fdatasync();
                LOG.info("replica {} of disk {} grown from {} to {} bytes", image, disk.name(), size,
                        disk.sizeBytes());
            } else if (size > disk.sizeBytes() && stampedBytes == disk.sizeBytes() && cutShortBytes != null
                    && cutShortBytes == size) {
                LOG.warn("replica {} has {} bytes but its stamp {}: a growth cut short by a crash before the stamp"
                        + " recorded it; cut back (the source's next connection grows it again)", image, size,
                        disk.sizeBytes());
                file.setSize(disk.sizeBytes());
                file.fdatasync();
            } else if (size != disk.sizeBytes()) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " has " + size
                        + " bytes but disk " + disk.name() + " has " + disk.sizeBytes());
            }
            return file;
        } catch (IOException | RuntimeException e) {
            closeQuietlyInto(file, e);
            throw e;
        }
    }

    /**
     * Allocates every block of a thick replica that is not yet (a new image, one a crash caught before this, or a
     * thin one now opened thick), so writes never wait for space and never find none. Done at every open: after a
     * crash it simply runs again. A block device is allocated by nature.
     */
    private static void allocateWhole(SparseFile image, DiskInfo disk) throws IOException {
        if (image.isBlockDevice() || image.allocatedBytes() >= disk.sizeBytes()) {
            return;
        }
        long before = image.allocatedBytes();
        image.allocate(0, disk.sizeBytes());
        LOG.info("thick replica {}: allocated its {} bytes ({} were allocated before)", image.path(),
                disk.sizeBytes(), before);
    }

    static Path imagePath(Path directory, DiskInfo disk) {
        return directory.resolve(disk.name() + IMAGE_SUFFIX);
    }

    public Path directory() {
        return directory;
    }

    public String pairId() {
        return config.pairId();
    }

    public int cgId() {
        return config.cgId();
    }

    public Provisioning provisioning() {
        return provisioning;
    }

    /**
     * Makes the set thick from now on: every image allocated whole, zero ranges kept allocated. For a source that
     * asks for thick replicas (its disks are on storage that is not thin-aware) when the set was opened thin; done
     * again at each such request, so a restart, which opens the set as configured, loses nothing before the source is
     * back. Idempotent; the applier's thread, between batches.
     */
    public void provisionThick() throws IOException {
        provisioning = Provisioning.THICK;
        for (Replica replica : replicas.values()) {
            allocateWhole(replica.file(), replica.disk());
        }
    }

    public List<DiskInfo> disks() {
        return config.disks();
    }

    /** The highest seq whose batch is applied and durable (0 before the first batch). */
    public long appliedSeq() {
        return metadata.appliedSeq();
    }

    /** The pair's generation history these replicas belong to; {@link GenerationHistory#NONE} before any. */
    public GenerationHistory generations() {
        return metadata.generations();
    }

    /**
     * Takes {@code history} as the replicas' generation history, durably, before the source that sent it is
     * answered; applied seq and states unchanged. Any thread: the stamp is replaced under this set's lock.
     */
    public synchronized void adoptGenerations(GenerationHistory history) throws IOException {
        ReplicaMetadata next = metadata.withGenerations(history);
        ReplicaMetadataFile.write(directory, next);
        metadata = next;
    }

    /**
     * Gives up what the replicas hold after {@code seq}, because an operator discarded it ({@code datamover resync
     * --discard replica}): one stamp write records {@code seq} as applied, every disk INCONSISTENT (until the
     * resync that follows ends) and {@code history}; an undo log is dropped, since the image it keeps is discarded
     * too. The applier's thread only, with nothing of the discarded history left to apply.
     *
     * @return the ranges written after {@code seq} (what the resync must cover), or everything when not known; kept
     *     ({@link #pendingDiscard}) before the stamp is written
     */
    public synchronized ResyncRegions discardAfter(long seq, GenerationHistory history) throws IOException {
        ResyncRegions written = everyDiskCovered(writtenRegions.discardAfter(seq));
        DiscardReport.write(directory, written);
        pendingDiscard = written;
        ReplicaMetadata next = new ReplicaMetadata(metadata.pairId(), metadata.cgId(), metadata.disks(),
                java.util.Collections.nCopies(metadata.disks().size(), ReplicaState.INCONSISTENT), seq, history);
        ReplicaMetadataFile.write(directory, next);
        metadata = next;
        if (undoLog != null) {
            dropUndoLog();
        }
        return written;
    }

    /**
     * Re-bases the replicas on a new leader's {@code history} after {@code seq}, keeping their image: a takeover in the
     * source site's gateway group (docs/coordination.md), whose new leader's journal does not continue the old
     * leader's seqs. The written-regions record restarts at {@code seq}; an undo log (a resync was under way) keeps its
     * image, now named by {@code seq} (the image from before the new leader's first seq), so it is dropped once the
     * new leader's resync ends; then one stamp write records {@code seq} as applied and {@code history}, every disk's
     * state unchanged. The applier's thread only, with nothing left spooled. A crash in between leaves the old history,
     * and the rerun is a takeover again.
     */
    public synchronized void takeOver(long seq, GenerationHistory history) throws IOException {
        writtenRegions.restartAt(seq);
        if (undoLog != null) {
            undoLog.relabel(seq);
        }
        ReplicaMetadata next = metadata.withApplied(seq, metadata.states()).withGenerations(history);
        ReplicaMetadataFile.write(directory, next);
        metadata = next;
    }

    /**
     * {@code regions} with the first region of each disk it has no range on: a discard makes every disk INCONSISTENT,
     * and only a resync of the disk (its SYNC_BEGIN, SYNC_END) makes it UP_TO_DATE again; a tap resyncs the disks it
     * has regions of.
     */
    private ResyncRegions everyDiskCovered(ResyncRegions regions) {
        if (regions.everything()) {
            return regions;
        }
        List<ResyncRegions.Range> ranges = new ArrayList<>(regions.ranges());
        for (DiskInfo disk : config.disks()) {
            if (ranges.stream().noneMatch(r -> r.disk() == disk.id())) {
                ranges.add(new ResyncRegions.Range(disk.id(), 0, Math.min(disk.sizeBytes(),
                        writtenRegions.regionBytes())));
            }
        }
        return ResyncRegions.of(regions.cg(), ranges);
    }

    /**
     * Begins an epoch of the written regions at {@code seq}, durably: a source's connection was accepted to resume
     * after it, so a later discard back to {@code seq} resyncs only what was written since. {@code seq} must be at or
     * above every seq applied or spooled so far (the target's held seq): a write recorded in an epoch that began
     * after its seq is still reported, one recorded in an epoch before it would not be. Any thread.
     */
    public void beginWrittenEpoch(long seq) throws IOException {
        writtenRegions.beginEpoch(seq);
    }

    /** The ranges written after {@code seq}, or everything when that is not known. Any thread. */
    public ResyncRegions writtenAfter(long seq) {
        return writtenRegions.after(seq);
    }

    /** What the resync after a discard of the replicas' data must cover, until every disk is UP_TO_DATE again. */
    public Optional<ResyncRegions> pendingDiscard() {
        return Optional.ofNullable(pendingDiscard);
    }

    /** Records the regions {@code entries} write, durably when one is new: before they are written. */
    void markWritten(List<io.datamover.protocol.BlockWrite> entries) throws IOException {
        writtenRegions.markWritten(entries);
    }

    /** The state of every disk, by disk id, in declaration order: a read-only snapshot. */
    public Map<Integer, ReplicaState> states() {
        return metadata.statesById();
    }

    /**
     * The applied seq of the last consistent image these replicas can give back: the seq an undo log protects
     * while a resync is under way ({@link ConsistentImageRollback}), else the applied seq when every disk is
     * UP_TO_DATE; empty when there is none (an initial sync, or a PROMOTED disk).
     */
    public OptionalLong consistentSeq() {
        if (undoLog != null) {
            return OptionalLong.of(undoLog.header().consistentSeq());
        }
        boolean allUpToDate = metadata.states().stream().allMatch(s -> s == ReplicaState.UP_TO_DATE);
        return allUpToDate ? OptionalLong.of(metadata.appliedSeq()) : OptionalLong.empty();
    }

    /** Whether an undo log keeps the consistent image while the replicas are past it (a resync under way). */
    public boolean resyncProtected() {
        return undoLog != null;
    }

    /** Bytes of the undo log, 0 when there is none. */
    public long undoLogBytes() {
        UndoLog log = undoLog;
        return log == null ? 0 : log.sizeBytes();
    }

    /** The undo log of a resync under way, or null. */
    UndoLog undoLog() {
        return undoLog;
    }

    /** Starts keeping the image at the applied seq: creates the undo log, durably, with the disks' states now. */
    UndoLog startUndoLog() throws IOException {
        undoLog = UndoLog.create(directory, new UndoLogHeader(config.cgId(), UNDO_REGION_BYTES, appliedSeq(),
                states()));
        return undoLog;
    }

    /** Deletes the undo log, durably. Call only once the stamp records every protected disk UP_TO_DATE. */
    void dropUndoLog() throws IOException {
        UndoLog log = undoLog;
        undoLog = null;
        log.delete();
    }

    /**
     * Online verify: the digests of {@code count} regions of the replica of disk {@code diskName} from {@code offset},
     * read only where it holds data ({@link RegionDigests}). The applier's thread, between batches, so they show the
     * image at {@link #appliedSeq}.
     *
     * @throws IllegalArgumentException no such disk in the set, or a span {@link RegionDigests} refuses
     */
    public RegionDigests.Span regionDigests(String diskName, long offset, int regionBytes, int count)
            throws IOException {
        DiskInfo disk = config.disks().stream().filter(d -> d.name().equals(diskName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no disk named " + diskName + " in the replica set"));
        return RegionDigests.read(replicas.get(disk.id()).file(), offset, regionBytes, count);
    }

    /** The replica of disk {@code diskId}, or null when the set has no such disk. */
    Replica replica(int diskId) {
        return replicas.get(diskId);
    }

    /** Records {@code seq} as applied with the disks' states unchanged, durably. */
    void recordAppliedSeq(long seq) throws IOException {
        recordApplied(seq, states());
    }

    /**
     * Records {@code seq} as applied and the disks' states after it in one atomic stamp write. Call only after the
     * batch's writes are synced; the states come from {@link ReplicaStateTransitions}.
     */
    synchronized void recordApplied(long seq, Map<Integer, ReplicaState> states) throws IOException {
        List<ReplicaState> ordered = new ArrayList<>(metadata.disks().size());
        for (DiskInfo disk : metadata.disks()) {
            ordered.add(states.get(disk.id()));
        }
        ReplicaMetadata next = metadata.withApplied(seq, ordered);
        ReplicaMetadataFile.write(directory, next);
        metadata = next;
        if (pendingDiscard != null && ordered.stream().allMatch(st -> st == ReplicaState.UP_TO_DATE)) {
            DiscardReport.delete(directory); // the resync it asked for has ended
            pendingDiscard = null;
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        UndoLog log = undoLog;
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                first = e;
            }
        }
        for (Replica r : replicas.values()) {
            try {
                r.file().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        try {
            lock.close(); // last: nothing of this set is written after it
        } catch (IOException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void closeAll(Collection<Replica> opened, Exception cause) {
        for (Replica r : opened) {
            closeQuietlyInto(r.file(), cause);
        }
    }

    /** Closes {@code file} on a failure path, keeping a close failure as suppressed by {@code cause}. */
    private static void closeQuietlyInto(AutoCloseable file, Exception cause) {
        try {
            file.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
