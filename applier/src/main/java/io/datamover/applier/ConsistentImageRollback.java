package io.datamover.applier;

import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a replica set back its last consistent image after a resync that did not end (the source is lost, a
 * failover is due): writes the undo log's before-images back in reverse order (holes punched again, so a thin
 * replica stays thin), syncs the images, records the image's seq and the disks' states at that seq in the stamp,
 * then deletes the log. Run with the target gateway stopped: nothing else may write the replicas meanwhile.
 *
 * <p>Crash safe by being repeatable: until the log is deleted, running it again restores the same image.
 *
 * <p>After a rollback the group cannot continue from its source where it was: the source has released the seqs
 * after the image. It is meant before a failover; replicating again takes a new sync.
 */
public final class ConsistentImageRollback {
    private static final Logger LOG = LoggerFactory.getLogger(ConsistentImageRollback.class);

    /**
     * What a rollback did.
     *
     * @param consistentSeq the applied seq of the restored image, now recorded in the stamp
     * @param appliedSeqBefore the applied seq the replicas were at before
     * @param regionsRestored before-images written back
     * @param bytesRestored bytes of data written back (holes not counted)
     */
    public record Result(long consistentSeq, long appliedSeqBefore, int regionsRestored, long bytesRestored) {}

    private ConsistentImageRollback() {}

    /**
     * Rolls the replica set in {@code directory} back to its last consistent image.
     *
     * @throws RollbackRefusedException when there is nothing to roll back to (no undo log: consistent already, or
     *     an initial sync with no consistent image), a disk is PROMOTED, or the directory holds no replica set
     * @throws IOException when the log is damaged or a replica cannot be written; running it again is safe
     */
    public static Result rollback(Path directory) throws IOException {
        Optional<ReplicaMetadata> stamp = ReplicaMetadataFile.read(directory);
        if (stamp.isEmpty()) {
            throw new RollbackRefusedException(directory + " holds no replica set (no " + ReplicaMetadataFile.FILE_NAME
                    + ")");
        }
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(directory, "datamover rollback");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage() + " (stop the target gateway first)");
        }
        try (DirectoryLock held = lock) {
            return rollbackLocked(directory);
        }
    }

    private static Result rollbackLocked(Path directory) throws IOException {
        // Read again, now that nothing writes it.
        ReplicaMetadata metadata = ReplicaMetadataFile.read(directory).orElseThrow(
                () -> new RollbackRefusedException(directory + " lost its " + ReplicaMetadataFile.FILE_NAME));
        for (int i = 0; i < metadata.disks().size(); i++) {
            if (metadata.states().get(i) == ReplicaState.PROMOTED) {
                throw new RollbackRefusedException("disk " + metadata.disks().get(i).name() + " in " + directory
                        + " is PROMOTED (failed over): its replicas are in use, not rolled back");
            }
        }
        Optional<UndoLog> found = openUndoLog(directory, metadata);
        if (found.isEmpty()) {
            throw nothingToRollBack(directory, metadata);
        }
        try (UndoLog log = found.get()) {
            return restore(directory, metadata, log);
        }
    }

    /**
     * With the directory's lock held by the caller (a failover): restores the image an undo log keeps, if one does;
     * empty when there is none (nothing was changed).
     */
    static Optional<Result> rollbackIfLogged(Path directory, ReplicaMetadata metadata) throws IOException {
        Optional<UndoLog> found = openUndoLog(directory, metadata);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        try (UndoLog log = found.get()) {
            return Optional.of(restore(directory, metadata, log));
        }
    }

    /** The undo log of a resync that did not end; a log the stamp has outgrown is deleted. */
    static Optional<UndoLog> openUndoLog(Path directory, ReplicaMetadata metadata) throws IOException {
        Optional<UndoLog> found = UndoLog.open(directory);
        if (found.isPresent() && found.get().header().outgrownBy(metadata.appliedSeq(), metadata.statesById(),
                metadata.generations())) {
            found.get().delete(); // a crash after the resync's SYNC_END was recorded, before its log was deleted
            return Optional.empty();
        }
        return found;
    }

    private static RollbackRefusedException nothingToRollBack(Path directory, ReplicaMetadata metadata) {
        List<String> inconsistent = new ArrayList<>();
        for (int i = 0; i < metadata.disks().size(); i++) {
            if (metadata.states().get(i) != ReplicaState.UP_TO_DATE) {
                inconsistent.add(metadata.disks().get(i).name());
            }
        }
        if (inconsistent.isEmpty()) {
            return new RollbackRefusedException("the replica is consistent already: every disk in " + directory
                    + " is UP_TO_DATE at seq " + metadata.appliedSeq() + " and no resync is under way");
        }
        return new RollbackRefusedException("initial sync: no consistent image exists in " + directory + " (disks "
                + String.join(", ", inconsistent) + " are INCONSISTENT and were never consistent since; no undo "
                + "log holds an earlier image)");
    }

    private static Result restore(Path directory, ReplicaMetadata metadata, UndoLog log) throws IOException {
        UndoLogHeader header = log.header();
        if (header.cgId() != metadata.cgId() || !header.states().keySet().equals(metadata.statesById().keySet())) {
            throw new ReplicaSetException(ReplicaSetException.Reason.DISK_MISMATCH, log.file()
                    + " protects consistency group " + header.cgId() + " disks " + header.states().keySet()
                    + ", not the replica set stamped in " + directory);
        }
        Map<Integer, DiskInfo> disks = new HashMap<>();
        metadata.disks().forEach(d -> disks.put(d.id(), d));
        Map<Integer, SparseFile> images = new HashMap<>();
        long bytes = 0;
        try {
            for (int i = log.entries() - 1; i >= 0; i--) {
                UndoEntry entry = log.entry(i);
                SparseFile image = images.get(entry.diskId());
                if (image == null) {
                    image = SparseFile.openReadWrite(ReplicaSet.imagePath(directory, disks.get(entry.diskId())));
                    images.put(entry.diskId(), image);
                }
                entry.restoreInto(image);
                bytes += entry.dataBytes();
            }
            for (SparseFile image : images.values()) {
                image.fdatasync();
            }
        } finally {
            for (SparseFile image : images.values()) {
                image.close();
            }
        }
        List<ReplicaState> states = new ArrayList<>();
        for (DiskInfo d : metadata.disks()) {
            states.add(header.states().get(d.id()));
        }
        // Images durable, then the stamp, then the log goes: a crash before the delete only repeats the restore (or,
        // for a discard's image, finds the stamp back in the image's history and deletes the log).
        ReplicaMetadata restored = metadata.withApplied(header.consistentSeq(), states);
        if (header.discarded() != null) { // the image comes back in its own history; the discard's resync is off
            restored = restored.withGenerations(header.discarded().history());
        }
        ReplicaMetadataFile.write(directory, restored);
        DiscardReport.delete(directory);
        log.delete();
        LOG.info("cg {}: rolled {} back from applied seq {} to the consistent image at seq {} ({} regions, {} bytes "
                + "of data written back); states now {}", Integer.toUnsignedString(metadata.cgId()), directory,
                metadata.appliedSeq(), header.consistentSeq(), log.entries(), bytes, states);
        return new Result(header.consistentSeq(), metadata.appliedSeq(), log.entries(), bytes);
    }
}
