package io.datamover.applier;

import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.GenerationHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of a failover: makes a replica set the VM's disks at its last consistent image. Under the set's
 * directory lock (nothing else writes it meanwhile), in three durable steps, each repeatable:
 * <ol>
 *   <li>the {@link FailoverRecord}, with the new generation, is written (only when there is none yet: a rerun keeps
 *       the first decision);
 *   <li>an unfinished resync is rolled back through the undo log ({@link ConsistentImageRollback});
 *   <li>one stamp write records every disk PROMOTED at the consistent seq, in the new generation, whose earlier
 *       generation (the source's) ends at that seq. Only then may anything write the replicas.
 * </ol>
 * Refused, with nothing changed, when there is no consistent image (an initial sync that never ended) or the set
 * is in use.
 */
public final class ReplicaPromotion {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaPromotion.class);

    /**
     * @param record what the failover decided (step {@link FailoverRecord.Step#RECORDED} or later)
     * @param stamp the promoted stamp
     * @param rolledBack the rollback this run did, or null when there was none to do
     */
    public record Result(FailoverRecord record, ReplicaMetadata stamp, ConsistentImageRollback.Result rolledBack) {}

    private ReplicaPromotion() {}

    /**
     * Promotes the replica set in {@code directory}.
     *
     * @param plan the record of a new failover from the consistent seq (called only when none is recorded yet)
     * @throws RollbackRefusedException refused: no replica set, no consistent image, or in use; nothing changed
     */
    public static Result promote(Path directory, LongFunction<FailoverRecord> plan) throws IOException {
        if (ReplicaSet.readStamp(directory).isEmpty()) {
            throw new RollbackRefusedException(directory + " holds no replica set (no "
                    + ReplicaMetadataFile.FILE_NAME + ")");
        }
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(directory, "datamover failover");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage()
                    + " (run the failover through that target gateway's admin port, or stop it)");
        }
        try (DirectoryLock held = lock) {
            return promoteLocked(directory, plan);
        }
    }

    private static Result promoteLocked(Path directory, LongFunction<FailoverRecord> plan) throws IOException {
        ReplicaMetadata stamp = ReplicaMetadataFile.read(directory).orElseThrow(
                () -> new RollbackRefusedException(directory + " lost its " + ReplicaMetadataFile.FILE_NAME));
        String cg = Integer.toUnsignedString(stamp.cgId());
        Optional<FailoverRecord> recorded = FailoverRecord.read(directory);
        FailoverRecord record;
        if (recorded.isPresent()) {
            record = recorded.get();
            LOG.info("cg {}: failover step 1/3: recorded already (generation {} from seq {}, {}): continuing",
                    cg, GenerationHistory.hex(record.generation()), record.consistentSeq(), record.step());
        } else {
            record = plan.apply(consistentSeqOrRefuse(directory, stamp));
            record.write(directory);
            LOG.info("cg {}: failover step 1/3: recorded: generation {} starts from the consistent image at seq {}",
                    cg, GenerationHistory.hex(record.generation()), record.consistentSeq());
            CrashPoint.reached(CrashPoint.Point.FAILOVER_RECORDED);
        }
        if (allPromoted(stamp)) {
            LOG.info("cg {}: failover steps 2/3 and 3/3: done already: every disk PROMOTED in generation {}", cg,
                    GenerationHistory.hex(stamp.generations().current()));
            return new Result(record, stamp, null);
        }
        ConsistentImageRollback.Result rolledBack = ConsistentImageRollback.rollbackIfLogged(directory, stamp)
                .orElse(null);
        if (rolledBack != null) {
            LOG.info("cg {}: failover step 2/3: the unfinished resync rolled back from seq {} to seq {} ({} bytes "
                    + "written back)", cg, rolledBack.appliedSeqBefore(), rolledBack.consistentSeq(),
                    rolledBack.bytesRestored());
            CrashPoint.reached(CrashPoint.Point.FAILOVER_ROLLED_BACK);
            stamp = ReplicaMetadataFile.read(directory).orElseThrow();
        } else {
            LOG.info("cg {}: failover step 2/3: no resync to roll back", cg);
        }
        if (stamp.appliedSeq() != record.consistentSeq()
                || !stamp.states().stream().allMatch(ReplicaState.UP_TO_DATE::equals)) {
            throw new ReplicaSetException(ReplicaSetException.Reason.CORRUPT_METADATA, directory + " is at seq "
                    + stamp.appliedSeq() + " with disks " + stamp.states() + ", but the failover recorded the "
                    + "consistent image at seq " + record.consistentSeq() + ": changed by something else meanwhile");
        }
        ReplicaMetadata promoted = new ReplicaMetadata(stamp.pairId(), stamp.cgId(), stamp.disks(),
                Collections.nCopies(stamp.disks().size(), ReplicaState.PROMOTED), stamp.appliedSeq(),
                stamp.generations().next(stamp.appliedSeq(), false, record.generation()));
        ReplicaMetadataFile.write(directory, promoted);
        LOG.info("cg {}: failover step 3/3: every disk PROMOTED at seq {}; {}", cg, promoted.appliedSeq(),
                promoted.generations());
        CrashPoint.reached(CrashPoint.Point.FAILOVER_PROMOTED);
        return new Result(record, promoted, rolledBack);
    }

    /** The seq of the image a failover can promote: the undo log's during a resync, else the applied seq. */
    private static long consistentSeqOrRefuse(Path directory, ReplicaMetadata stamp) throws IOException {
        if (stamp.states().contains(ReplicaState.PROMOTED)) {
            throw new RollbackRefusedException("disks of " + directory + " are PROMOTED without a failover record: "
                    + "promoted by something else; left alone");
        }
        Optional<UndoLog> log = ConsistentImageRollback.openUndoLog(directory, stamp);
        if (log.isPresent()) {
            try (UndoLog held = log.get()) {
                return held.header().consistentSeq();
            }
        }
        List<String> inconsistent = new ArrayList<>();
        for (int i = 0; i < stamp.disks().size(); i++) {
            if (stamp.states().get(i) != ReplicaState.UP_TO_DATE) {
                inconsistent.add(stamp.disks().get(i).name());
            }
        }
        if (!inconsistent.isEmpty()) {
            throw new RollbackRefusedException("no consistent image to fail over to in " + directory + ": disks "
                    + String.join(", ", inconsistent) + " are INCONSISTENT (their initial sync never ended) and no "
                    + "undo log holds an earlier image");
        }
        return stamp.appliedSeq();
    }

    private static boolean allPromoted(ReplicaMetadata stamp) {
        return stamp.states().stream().allMatch(ReplicaState.PROMOTED::equals);
    }
}
