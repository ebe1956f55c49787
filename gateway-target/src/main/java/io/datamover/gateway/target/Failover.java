package io.datamover.gateway.target;

import io.datamover.applier.ConsistentImageRollback;
import io.datamover.applier.FailoverRecord;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaPromotion;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code datamover failover} at the target, once nothing applies the group any more (a running gateway closed it,
 * or the gateway is stopped): promotes the replica set ({@link ReplicaPromotion}: record, roll back, PROMOTED in a
 * new generation), then drops the group's spool (batches past the promoted image must never reach the VM's disks)
 * and records the failover DONE. Each step durable and repeatable: a rerun after a crash continues where it
 * stopped, with the generation the first run chose. docs/operations.md has the steps and the decision table.
 */
public final class Failover {
    private static final Logger LOG = LoggerFactory.getLogger(Failover.class);

    /**
     * What the target knew of the source when the failover began.
     *
     * @param sourceSeq the highest seq the source was last known to hold (HELLO, heartbeat or batch), -1 unknown
     * @param sourceSeqAtMillis when it was last heard of, epoch milliseconds, -1 unknown
     * @param replicaWriteMicros tap time of the newest write applied to the replicas, -1 unknown
     * @param heldSeq the highest seq the target held (spooled or applied), -1 unknown
     */
    public record SourceKnowledge(long sourceSeq, long sourceSeqAtMillis, long replicaWriteMicros, long heldSeq) {
        /** A stopped gateway's state tells nothing of the source. */
        public static final SourceKnowledge UNKNOWN = new SourceKnowledge(-1, -1, -1, -1);
    }

    /**
     * What a failover did and lost, for the operator.
     *
     * @param spoolBatchesDropped batches the spool still held (never applied: past the promoted image)
     */
    public record Report(int cgId, Path directory, FailoverRecord record, ReplicaMetadata stamp,
            ConsistentImageRollback.Result rolledBack, int spoolBatchesDropped) {
        /** The report, one fact a line: the image, the rollback, what was lost and how old the image is. */
        public String describe() {
            StringBuilder out = new StringBuilder();
            String cg = Integer.toUnsignedString(cgId);
            out.append("consistency group ").append(cg).append(" failed over: disks ")
                    .append(stamp.disks().stream().map(DiskInfo::name).collect(Collectors.joining(", ")))
                    .append(" PROMOTED at seq ").append(stamp.appliedSeq()).append(" in ")
                    .append(stamp.generations()).append('\n');
            if (rolledBack != null) {
                out.append("rolled back an unfinished resync from seq ").append(rolledBack.appliedSeqBefore())
                        .append(" to the consistent image at seq ").append(rolledBack.consistentSeq()).append(" (")
                        .append(rolledBack.bytesRestored()).append(" bytes written back)\n");
            }
            out.append(lost()).append('\n');
            out.append(age()).append('\n');
            if (spoolBatchesDropped > 0) {
                out.append("dropped ").append(spoolBatchesDropped).append(" spooled batches past the promoted image "
                        + "(never applied)\n");
            }
            out.append("serve the disks at this site with a tap on the replica images:\n  datamover tap");
            for (DiskInfo d : stamp.disks()) {
                out.append(" --export ").append(d.name()).append('=').append(directory.resolve(d.name() + ".img"));
            }
            out.append(" --cg-id ").append(cg).append(" --pair ").append(stamp.pairId())
                    .append(" --initial-sync skip --state-dir NEW_DIR --gateway RECOVERY_SITE_SOURCE_GATEWAY\n");
            return out.toString();
        }

        /** The records the replicas never got, as far as this target knows. */
        private String lost() {
            long promoted = stamp.appliedSeq();
            if (record.sourceSeq() < 0) {
                return "lost: unknown: this target gateway had not heard from the source since it started (the "
                        + "source's last seq is not recorded across restarts)";
            }
            long known = record.sourceSeq();
            String when = Instant.ofEpochMilli(record.sourceSeqAtMillis()) + ", "
                    + seconds(record.startedAtMillis() - record.sourceSeqAtMillis()) + " before the failover";
            if (known <= promoted) {
                return "lost: nothing this target knows of: the source was last known to hold seq " + known + " ("
                        + when + "), the promoted image holds seq " + promoted + "; writes the source took after "
                        + "that are not known here";
            }
            return "lost: at least " + (known - promoted) + " records: the source was last known to hold seq " + known
                    + " (" + when + "), the promoted image holds seq " + promoted + "; writes the source took after "
                    + "that are not known here";
        }

        /** The tap-time age of the promoted image's newest write: the RPO of this failover, as far as known. */
        private String age() {
            if (record.replicaWriteMicros() < 0) {
                return "age of the promoted image's newest write: unknown (not applied since this target gateway "
                        + "started)";
            }
            long ageMillis = record.startedAtMillis() - record.replicaWriteMicros() / 1000;
            return "age of the promoted image's newest write: " + seconds(ageMillis) + " at the failover (written at "
                    + Instant.ofEpochMilli(record.replicaWriteMicros() / 1000) + ", tap time): the RPO of this "
                    + "failover is at least that when writes were lost";
        }

        private static String seconds(long millis) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
    }

    private Failover() {}

    /**
     * Fails over the replica set in {@code replicaSetDir}, its spool in {@code spoolDir}. Nothing else may apply
     * to the group meanwhile; {@link ReplicaPromotion} takes the set's lock.
     */
    public static Report run(int cgId, Path replicaSetDir, Path spoolDir, boolean force, SourceKnowledge known,
            InstantSource clock) throws IOException {
        long now = clock.millis();
        ReplicaPromotion.Result promoted = ReplicaPromotion.promote(replicaSetDir, consistentSeq -> new FailoverRecord(
                FailoverRecord.Step.RECORDED, GenerationHistory.newGenerationId(), consistentSeq, now, force,
                known.sourceSeq(), known.sourceSeqAtMillis(),
                known.heldSeq() == consistentSeq ? known.replicaWriteMicros() : -1));
        FailoverRecord record = promoted.record();
        int dropped = 0;
        if (record.step() != FailoverRecord.Step.DONE) {
            dropped = dropSpool(spoolDir);
            LOG.info("cg {}: failover: the spool is dropped ({} batches past the promoted image)",
                    Integer.toUnsignedString(cgId), dropped);
            CrashPoint.reached(CrashPoint.Point.FAILOVER_SPOOL_DROPPED);
            record = record.withStep(FailoverRecord.Step.DONE);
            record.write(replicaSetDir);
            LOG.info("cg {}: failover DONE: the replicas are the VM's disks now", Integer.toUnsignedString(cgId));
        }
        return new Report(cgId, replicaSetDir, record, promoted.stamp(), promoted.rolledBack(), dropped);
    }

    /** Deletes every spooled batch, durably; the count. */
    private static int dropSpool(Path spoolDir) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(spoolDir)) {
            for (Path file : files) {
                Files.delete(file);
                count++;
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        io.datamover.disk.DurableFiles.forceDirectory(spoolDir);
        return count;
    }
}
