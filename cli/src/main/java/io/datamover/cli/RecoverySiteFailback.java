package io.datamover.cli;

import io.datamover.applier.FailbackRecord;
import io.datamover.applier.FailbackReplicas;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.gateway.source.StoppedSourceGroup;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.Tap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failback's half at the recovery site (docs/operations.md, "Failback"), on the stopped recovery tap's, reverse source
 * gateway's and promoted replica set's directories. Refused, nothing changed, unless at RPO 0: the tap's bitmaps clean
 * (every write it took acknowledged by the source gateway), the reverse resync done, and every seq the journal holds
 * acknowledged by the original site. Then, under the three directories' locks, four steps, each durable and
 * repeatable, the {@link FailbackRecord} moved on after each:
 * <ol>
 *   <li>the record, with the seq both sites hold (the journal's);</li>
 *   <li>the tap's state directory retired: a tap started on it refuses, saying where the disks live now;</li>
 *   <li>the promoted replicas UP_TO_DATE at that seq in the source's history (the one the original site adopted);</li>
 *   <li>the failover record deleted: the target gateway opens the group again, for the original site's source.</li>
 * </ol>
 */
final class RecoverySiteFailback {
    private static final Logger LOG = LoggerFactory.getLogger(RecoverySiteFailback.class);

    /**
     * @param replicaDir the target gateway's --replica-dir holding the promoted group
     * @param sourceData the reverse source gateway's --data-dir
     * @param tapState the recovery tap's --state-dir
     * @param nowAt where the disks live after the failback, for the retired tap's refusal
     */
    record Directories(Path replicaDir, Path sourceData, Path tapState, String nowAt) {}

    private RecoverySiteFailback() {}

    /** @return what was done, for the operator */
    static String run(int cgId, Directories dirs, InstantSource clock) throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        Path set = TargetGateway.replicaSetDirectory(dirs.replicaDir(), cgId);
        try (DirectoryLock setLock = lock(set, "the target gateway");
                DirectoryLock tapLock = lock(dirs.tapState(), "the recovery tap")) {
            ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow(() -> new RollbackRefusedException(set
                    + " holds no replica set"));
            FailbackRecord record = FailbackRecord.read(set).orElse(null);
            if (record != null && record.done()) {
                LOG.info("cg {}: failback: done already at seq {}", cg, record.seq());
                return done(cg, record.seq(), stamp);
            }
            if (record == null && !stamp.states().stream().allMatch(ReplicaState.PROMOTED::equals)) {
                throw new RollbackRefusedException("consistency group " + cg + " is not PROMOTED here ("
                        + stamp.states() + "): nothing to fail back");
            }
            StoppedSourceGroup source = StoppedSourceGroup.read(dirs.sourceData(), cgId);
            if (record == null) {
                refuseUnlessAtRpoZero(cg, stamp, source, dirs.tapState());
                record = new FailbackRecord(FailbackRecord.Site.RECOVERY, 1, source.durableSeq(), clock.millis(),
                        newestHolding(source.history(), source.durableSeq(), stamp.generations().current()).current());
                record.write(set);
                LOG.info("cg {}: failback step 1/4: recorded at seq {} (every write of the recovery tap acknowledged "
                        + "by the original site)", cg, record.seq());
                CrashPoint.reached(CrashPoint.Point.FAILBACK_RECORDED);
            }
            if (record.stepsDone() < 2) {
                Tap.retire(dirs.tapState(), "consistency group " + cg + " failed back at seq " + record.seq()
                        + ": its disks live at " + dirs.nowAt() + " now; this site holds their replicas");
                LOG.info("cg {}: failback step 2/4: the recovery tap's state directory {} retired", cg,
                        dirs.tapState());
                CrashPoint.reached(CrashPoint.Point.FAILBACK_TAP_FENCED);
                record = record.advance(set, 2);
            }
            if (record.stepsDone() < 3) {
                GenerationHistory shared = asOf(source.history(), record.generation());
                FailbackReplicas.demote(set, record.seq(), shared);
                LOG.info("cg {}: failback step 3/4: every disk UP_TO_DATE at seq {}, {}", cg, record.seq(), shared);
                CrashPoint.reached(CrashPoint.Point.FAILBACK_DEMOTED);
                record = record.advance(set, 3);
            }
            FailbackReplicas.clearFailover(set);
            LOG.info("cg {}: failback step 4/4: the failover record deleted: the target gateway opens the group", cg);
            CrashPoint.reached(CrashPoint.Point.FAILBACK_FAILOVER_CLEARED);
            record = record.advance(set, 4);
            return done(cg, record.seq(), ReplicaSet.readStamp(set).orElseThrow());
        }
    }

    private static void refuseUnlessAtRpoZero(String cg, ReplicaMetadata stamp, StoppedSourceGroup source,
            Path tapState) throws IOException {
        if (!source.history().contains(stamp.generations().current())) {
            throw new RollbackRefusedException("the source gateway's group (" + source.history() + ") does not "
                    + "continue the promoted history (" + stamp.generations() + "): run datamover reverse first");
        }
        if (source.tapResyncOwed()) {
            throw new RollbackRefusedException("reverse replication is not UP_TO_DATE: the recovery tap still owes "
                    + "the original site its resync; start the source gateway and the tap until it is done");
        }
        long dirty = TapDirtyRegions.of(tapState, stamp.disks()).stream().mapToLong(ResyncRegions.Range::length).sum();
        if (dirty > 0) {
            throw new RollbackRefusedException("not at RPO 0: the recovery tap's bitmaps hold " + dirty + " bytes of "
                    + "writes no gateway acknowledged; with the VM stopped, start the tap until its status shows no "
                    + "dirty regions, then stop it cleanly");
        }
        if (source.releasedSeq() < source.durableSeq()) {
            throw new RollbackRefusedException("not at RPO 0: the original site has acknowledged seq "
                    + source.releasedSeq() + " of the " + source.durableSeq() + " the source gateway holds; start it "
                    + "until the original site's target gateway has them all, then stop it");
        }
    }

    /**
     * {@code history} back to its newest generation holding a seq up to {@code seq}, not past {@code promoted}: a
     * generation the source gateway started at its last opening and never wrote in may be one the original site never
     * adopted (the gateway did not reach it since); the generation before it is one the original site holds, so its
     * source's next generation is adopted here.
     */
    static GenerationHistory newestHolding(GenerationHistory history, long seq, long promoted) {
        GenerationHistory h = history;
        while (h.current() != promoted && !h.earlier().isEmpty() && h.earlier().getFirst().endSeq() == seq) {
            h = asOf(h, h.earlier().getFirst().id());
        }
        return h;
    }

    /** {@code history} as it was while {@code generation} was current. */
    private static GenerationHistory asOf(GenerationHistory history, long generation) {
        if (history.current() == generation) {
            return history;
        }
        int at = history.indexOfEarlier(generation);
        if (at < 0) {
            throw new IllegalStateException("the source gateway's history " + history + " lost generation "
                    + GenerationHistory.hex(generation) + ", which this failback recorded: changed meanwhile");
        }
        return new GenerationHistory(generation, history.earlier().subList(at + 1, history.earlier().size()));
    }

    static DirectoryLock lock(Path directory, String what) throws IOException {
        try {
            Files.createDirectories(directory);
            return DirectoryLock.acquire(directory, "datamover failback");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage() + ": stop " + what + " first");
        }
    }

    private static String done(String cg, long seq, ReplicaMetadata stamp) {
        return "consistency group " + cg + " failed back at the recovery site at seq " + seq + ": its replicas are "
                + "SECONDARY again (" + stamp.states() + ", " + stamp.generations() + "), the recovery tap retired. "
                + "Next, at the original site, its target gateway stopped: datamover failback --cg " + cg + " --seq "
                + seq + " ...; then restart this site's target gateway, which opens the group again";
    }
}
