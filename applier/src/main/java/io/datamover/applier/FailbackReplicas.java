package io.datamover.applier;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

/**
 * What a failback changes in a replica set (docs/operations.md, "Failback"), the caller holding the set's directory
 * lock. Each method is repeatable: it checks what is already done and does only the rest.
 */
public final class FailbackReplicas {
    private FailbackReplicas() {}

    /**
     * Recovery site: the promoted replicas become a replica set again, every disk UP_TO_DATE at {@code seq} in
     * {@code history} (the recovery site's source history, which the original site's replicas adopted), so the
     * original site's source, continuing it, is adopted with nothing to ship. {@code written-regions} is dropped: it
     * never saw the tap's writes since the promote, so a later discard before {@code seq} resyncs the whole disks.
     *
     * @return false when the stamp said so already
     */
    public static boolean demote(Path directory, long seq, GenerationHistory history) throws IOException {
        ReplicaMetadata stamp = ReplicaMetadataFile.read(directory).orElseThrow(
                () -> new RollbackRefusedException(directory + " lost its " + ReplicaMetadataFile.FILE_NAME));
        boolean demoted = stamp.appliedSeq() == seq && stamp.generations().equals(history)
                && stamp.states().stream().allMatch(ReplicaState.UP_TO_DATE::equals);
        if (demoted) {
            return false;
        }
        Files.deleteIfExists(directory.resolve(WrittenRegions.FILE_NAME));
        ReplicaMetadataFile.write(directory, new ReplicaMetadata(stamp.pairId(), stamp.cgId(), stamp.disks(),
                Collections.nCopies(stamp.disks().size(), ReplicaState.UP_TO_DATE), seq, history));
        return true;
    }

    /** Recovery site: the failover's record goes, so a target gateway opens the group again. */
    public static boolean clearFailover(Path directory) throws IOException {
        boolean deleted = Files.deleteIfExists(directory.resolve(FailoverRecord.FILE_NAME));
        DurableFiles.forceDirectory(directory);
        return deleted;
    }

    /**
     * Original site: the disks stop being a replica set: their links in the set's directory (the disks themselves
     * stay where the tap exports them), what the set tracked, and the stamp last. Afterwards a target gateway finds no
     * group there.
     *
     * @return false when there was no stamp left
     */
    public static boolean retire(Path directory) throws IOException {
        var stamp = ReplicaMetadataFile.read(directory);
        if (stamp.isEmpty()) {
            return false;
        }
        for (DiskInfo disk : stamp.get().disks()) {
            Files.deleteIfExists(ReplicaSet.imagePath(directory, disk));
        }
        Files.deleteIfExists(directory.resolve(WrittenRegions.FILE_NAME));
        Files.deleteIfExists(directory.resolve(DiscardReport.FILE_NAME));
        Files.deleteIfExists(directory.resolve(UndoLog.FILE_NAME));
        DurableFiles.forceDirectory(directory);
        Files.delete(ReplicaMetadataFile.path(directory));
        DurableFiles.forceDirectory(directory);
        return true;
    }
}
