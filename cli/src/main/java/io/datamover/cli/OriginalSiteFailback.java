package io.datamover.cli;

import io.datamover.applier.FailbackRecord;
import io.datamover.applier.FailbackReplicas;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryLock;
import io.datamover.gateway.source.ReverseSourceGroup;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.CrashPoint;
import io.datamover.tap.Tap;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failback's half at the original site (docs/operations.md, "Failback"), after the recovery site's, on the stopped
 * target gateway's replica set (the original disks, linked in by {@code reverse}), the original tap's state directory
 * and a new source gateway directory. Refused, nothing changed, unless the replicas hold exactly the seq the recovery
 * site failed back at, every disk UP_TO_DATE. Then, under the locks, four steps, each durable and repeatable, the
 * {@link FailbackRecord} moved on after each:
 * <ol>
 *   <li>the record;</li>
 *   <li>the new source directory continues the replicas' history after that seq ({@link
 *       ReverseSourceGroup#seedForward}): the recovery site's replicas adopt its next generation, nothing shipped;</li>
 *   <li>the tap's bitmaps cleared: what they name (writes before the failover) was set back by the reverse resync;</li>
 *   <li>the replica set retired (links and stamp; the disks stay): no target gateway serves them any more.</li>
 * </ol>
 */
final class OriginalSiteFailback {
    private static final Logger LOG = LoggerFactory.getLogger(OriginalSiteFailback.class);

    /**
     * @param replicaDir the target gateway's --replica-dir holding the original disks as replicas
     * @param sourceData the source gateway's new --data-dir
     * @param tapState the original tap's --state-dir
     */
    record Directories(Path replicaDir, Path sourceData, Path tapState) {}

    private OriginalSiteFailback() {}

    /**
     * @param seq the seq the recovery site failed back at (its failback's report)
     * @return what was done, for the operator
     */
    static String run(int cgId, long seq, Directories dirs, InstantSource clock) throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        Path set = TargetGateway.replicaSetDirectory(dirs.replicaDir(), cgId);
        try (DirectoryLock setLock = RecoverySiteFailback.lock(set, "the target gateway");
                DirectoryLock tapLock = RecoverySiteFailback.lock(dirs.tapState(), "the tap")) {
            FailbackRecord record = FailbackRecord.read(set).orElse(null);
            if (record != null && record.seq() != seq) {
                throw new RollbackRefusedException("a failback at seq " + record.seq() + " is under way here, not at"
                        + " seq " + seq + ": run it again with --seq " + record.seq());
            }
            if (record != null && record.done()) {
                LOG.info("cg {}: failback: done already at seq {}", cg, seq);
                return done(cg, seq, dirs);
            }
            if (record == null) {
                ReplicaMetadata stamp = refuseUnlessHolding(cg, set, seq);
                record = new FailbackRecord(FailbackRecord.Site.ORIGINAL, 1, seq, clock.millis(),
                        stamp.generations().current());
                record.write(set);
                LOG.info("cg {}: failback step 1/4: recorded at seq {}", cg, seq);
                CrashPoint.reached(CrashPoint.Point.FAILBACK_RECORDED);
            }
            if (record.stepsDone() < 3) { // the stamp is there until step 4
                ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow();
                if (record.stepsDone() < 2) {
                    ReverseSourceGroup.seedForward(dirs.sourceData(), stamp.pairId(), cgId, stamp.disks(),
                            stamp.generations(), seq);
                    LOG.info("cg {}: failback step 2/4: {} continues {} after seq {}", cg, dirs.sourceData(),
                            stamp.generations(), seq);
                    CrashPoint.reached(CrashPoint.Point.FAILBACK_SOURCE_SEEDED);
                    record = record.advance(set, 2);
                }
                long cleared = TapDirtyRegions.clear(dirs.tapState(), stamp.disks());
                Tap.reinstate(dirs.tapState()); // a planned migration's refusal of writes ends with the disks' return
                LOG.info("cg {}: failback step 3/4: the tap's bitmaps cleared ({} bytes were dirty: set back to the "
                        + "shared image by the reverse resync)", cg, cleared);
                CrashPoint.reached(CrashPoint.Point.FAILBACK_TAP_CLEARED);
                record = record.advance(set, 3);
            }
            FailbackReplicas.retire(set);
            LOG.info("cg {}: failback step 4/4: the replica set {} retired (the disks stay where the tap exports them)",
                    cg, set);
            CrashPoint.reached(CrashPoint.Point.FAILBACK_REPLICAS_RETIRED);
            record.advance(set, 4);
            return done(cg, seq, dirs);
        }
    }

    private static ReplicaMetadata refuseUnlessHolding(String cg, Path set, long seq) throws IOException {
        ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow(() -> new RollbackRefusedException(set
                + " holds no replica set: run datamover reverse (and let it replicate) first"));
        if (!stamp.states().stream().allMatch(ReplicaState.UP_TO_DATE::equals)) {
            throw new RollbackRefusedException("reverse replication is not UP_TO_DATE here (" + stamp.states() + " at"
                    + " seq " + stamp.appliedSeq() + "): start the target gateway until the resync ends");
        }
        if (stamp.appliedSeq() < seq) {
            throw new RollbackRefusedException("not at RPO 0: the replicas hold seq " + stamp.appliedSeq() + " of the "
                    + seq + " the recovery site failed back at; start the target gateway until it has applied them "
                    + "(its spool holds them), then stop it");
        }
        if (stamp.appliedSeq() > seq) {
            throw new RollbackRefusedException("the replicas hold seq " + stamp.appliedSeq() + ", beyond the " + seq
                    + " the recovery site failed back at: give the seq its failback reported");
        }
        return stamp;
    }

    private static String done(String cg, long seq, Directories dirs) {
        return "consistency group " + cg + " failed back at the original site at seq " + seq + ": the disks are no "
                + "longer replicas; start the source gateway with --data-dir " + dirs.sourceData() + ", then the tap "
                + "with --state-dir " + dirs.tapState() + " and --gateway pointing at it: forward replication resumes "
                + "after seq " + seq + " with nothing to resync";
    }
}
