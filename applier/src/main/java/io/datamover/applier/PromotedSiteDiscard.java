package io.datamover.applier;

import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A split brain resolved for the original site (docs/operations.md, "Split brain"): the recovery site's promoted
 * replicas give up what was written into them since the promote and become replicas of the original site again, so
 * that only the regions either side changed since the promoted seq travel.
 *
 * <p>How: {@code written-regions} gets one epoch beginning at the promoted seq holding the regions written here since
 * the promote (the recovery tap's dirty bitmaps, given by the caller); the stamp records every disk UP_TO_DATE at the
 * promoted seq, in the failover's generation (so the source site, whose history split at that seq, is still refused
 * as DIVERGED until its operator starts a discarding generation with {@code datamover resync --discard replica}; the
 * handshake then decides DISCARD_REPLICA back to the promoted seq and the target answers "written after it" from that
 * epoch); the failover record is deleted last, after which a target gateway opens the group again.
 *
 * <p>Steps, under the set's directory lock, each logged and repeatable: a rerun after a crash redoes the regions
 * (the stamp still PROMOTED), or only deletes the record (the stamp written), or finds nothing to do.
 */
public final class PromotedSiteDiscard {
    private static final Logger LOG = LoggerFactory.getLogger(PromotedSiteDiscard.class);

    private PromotedSiteDiscard() {}

    /**
     * Resolves the split brain of the promoted set in {@code directory}.
     *
     * @param writtenSincePromote the regions written into the promoted disks since the promote (the recovery tap's
     *     dirty regions), or null when they cannot be told (then the whole disks are resynced)
     * @return what was done, for the operator
     * @throws RollbackRefusedException refused, nothing changed: no set, an unfinished failover, or in use
     */
    public static String discard(Path directory, List<ResyncRegions.Range> writtenSincePromote) throws IOException {
        if (ReplicaSet.readStamp(directory).isEmpty()) {
            throw new RollbackRefusedException(directory + " holds no replica set (no " + ReplicaMetadataFile.FILE_NAME
                    + ")");
        }
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(directory, "datamover split-brain resolve");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage() + " (stop the target gateway first)");
        }
        try (DirectoryLock held = lock) {
            return discardLocked(directory, writtenSincePromote);
        }
    }

    private static String discardLocked(Path directory, List<ResyncRegions.Range> written) throws IOException {
        ReplicaMetadata stamp = ReplicaMetadataFile.read(directory).orElseThrow(
                () -> new RollbackRefusedException(directory + " lost its " + ReplicaMetadataFile.FILE_NAME));
        String cg = Integer.toUnsignedString(stamp.cgId());
        Optional<FailoverRecord> record = FailoverRecord.read(directory);
        boolean promoted = stamp.states().stream().allMatch(ReplicaState.PROMOTED::equals);
        if (!promoted && stamp.states().contains(ReplicaState.PROMOTED)) {
            throw new RollbackRefusedException("consistency group " + cg + " has only some disks PROMOTED ("
                    + stamp.states() + "): run datamover failover again first");
        }
        if (promoted) {
            if (record.isEmpty() || record.get().step() != FailoverRecord.Step.DONE) {
                throw new RollbackRefusedException("consistency group " + cg + ": the failover that promoted "
                        + directory + " is not DONE: run datamover failover again first");
            }
            long promotedSeq = stamp.appliedSeq();
            long bytes = WrittenRegions.replaceWith(directory, stamp.cgId(), stamp.disks(), promotedSeq, written);
            LOG.info("cg {}: split-brain resolve step 1/3: the regions written here since the promote at seq {} "
                    + "recorded ({})", cg, promotedSeq, written == null ? "not known: the whole disks" : bytes
                            + " bytes");
            CrashPoint.reached(CrashPoint.Point.SPLIT_BRAIN_REGIONS_RECORDED);
            stamp = new ReplicaMetadata(stamp.pairId(), stamp.cgId(), stamp.disks(),
                    Collections.nCopies(stamp.disks().size(), ReplicaState.UP_TO_DATE), promotedSeq,
                    stamp.generations());
            ReplicaMetadataFile.write(directory, stamp);
            LOG.info("cg {}: split-brain resolve step 2/3: the disks are replicas again, at seq {} in {}", cg,
                    promotedSeq, stamp.generations());
            CrashPoint.reached(CrashPoint.Point.SPLIT_BRAIN_DEMOTED);
        } else if (record.isEmpty()) {
            LOG.info("cg {}: split-brain resolve: nothing to do: {} is not PROMOTED and holds no failover record", cg,
                    directory);
            return "consistency group " + cg + ": not PROMOTED here (" + stamp.generations() + ", seq "
                    + stamp.appliedSeq() + "): resolved already, or never failed over; nothing changed";
        }
        Files.deleteIfExists(directory.resolve(FailoverRecord.FILE_NAME));
        DurableFiles.forceDirectory(directory);
        LOG.info("cg {}: split-brain resolve step 3/3: the failover record deleted: a target gateway opens the group",
                cg);
        CrashPoint.reached(CrashPoint.Point.SPLIT_BRAIN_RECORD_DELETED);
        return "consistency group " + cg + ": the promoted disks are replicas of the original site again (seq "
                + stamp.appliedSeq() + ", " + stamp.generations() + "); the regions written here since the promote ("
                + (written == null ? "not known: the whole disks"
                        : written.stream().mapToLong(ResyncRegions.Range::length).sum() + " bytes")
                + ") are set back to the original site's data with its writes since. Start the target gateway, then "
                + "run datamover resync --cg " + cg + " --discard replica at the original site's source gateway. Do "
                + "not start this site's tap on these disks again";
    }
}
