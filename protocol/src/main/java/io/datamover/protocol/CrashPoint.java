package io.datamover.protocol;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash injector for the crash-recovery tests: every persistence point of every component calls
 * {@link #reached(Point)}, and a daemon started with {@code -Ddatamover.crash.point=POINT -Ddatamover.crash.after=N}
 * halts at the N-th time it reaches that point (N from 1, default 1) as kill -9 would: one log line, then
 * {@link Runtime#halt} with {@link #EXIT_STATUS}, no shutdown hook, nothing flushed or closed.
 *
 * <p>Unarmed (the property absent, as in production) a call costs one comparison against a static final null,
 * which the JIT folds away: nothing on the hot paths. docs/fault-campaign.md ("Crash points") lists the points.
 */
public final class CrashPoint {
    /** The persistence points, named after the owning component and what has just happened there. */
    public enum Point {
        /** Tap: the write's dirty bits are durable in the bitmap; the local disk is not written yet. */
        TAP_DIRTY_MARKED,
        /** Tap: the local disk write (and its flush when FUA) is done; the guest has no reply yet. */
        TAP_LOCAL_WRITE_DONE,
        /** Tap: the record is handed to the gateway connection; not yet acknowledged DURABLE. */
        TAP_RECORD_SENT,
        /** Tap: a DURABLE ack moved the durable seq and released the records' holds (bits clear lazily). */
        TAP_ACK_PROCESSED,
        /** Tap: a sweep cleared idle regions and the bitmap with the cleared bits is synced. */
        TAP_DIRTY_CLEARED,
        /** Source gateway: a record is appended to the journal; not synced, not acknowledged. */
        SOURCE_JOURNAL_APPENDED,
        /** Source gateway: a group-commit fdatasync is about to start. */
        SOURCE_JOURNAL_SYNC_STARTED,
        /** Source gateway: the group-commit sync is done; the tap is not acknowledged yet. */
        SOURCE_JOURNAL_SYNCED,
        /** Source gateway: the shipper's tailer moved past a record (its next seq stored). */
        SOURCE_TAILER_ADVANCED,
        /** Source gateway: a batch is handed to the target connection; not acknowledged yet. */
        SOURCE_BATCH_SENT,
        /** Source gateway: a target ack moved the shipped seq and asked the journal to release up to it. */
        SOURCE_TARGET_ACK_PROCESSED,
        /** Source gateway: the journal's retention mark moved (durable); released cycle files not yet deleted. */
        SOURCE_JOURNAL_RELEASED,
        /** Target gateway: a batch came off the wire, nothing of it stored. */
        TARGET_BATCH_RECEIVED,
        /** Target gateway: the batch is durable in the spool; the source has no DURABLE ack yet. */
        TARGET_BATCH_SPOOLED,
        /** Target gateway: an entry of a batch is written to a replica (mid-batch), before the fdatasync. */
        TARGET_APPLY_ENTRY_WRITTEN,
        /** Target gateway: a batch's replica writes are fdatasynced; its applied seq is not recorded yet. */
        TARGET_APPLY_SYNCED,
        /** Target gateway: the applied seq is recorded; no APPLIED ack yet, the spool file not deleted. */
        TARGET_APPLIED_SEQ_RECORDED,
        // Points added later go last, so that the earlier ones keep their seeds in CrashPointTest: the resync after
        // bitmap mode, then the initial sync of a new disk.
        /** Tap: a resync is ordered (seqs re-based, SYNC_BEGIN of each dirty disk queued); no region copied yet. */
        TAP_RESYNC_STARTED,
        /** Tap: a disk's regions are copied and its SYNC_END queued; not acknowledged, its bits not cleared. */
        TAP_RESYNC_SYNC_END_SENT,
        /** Target gateway: before-images a resync batch needs are durable in the undo log; no replica written. */
        TARGET_UNDO_SAVED,
        /** Target gateway: the resync is over and its undo log deleted; the batch's APPLIED ack not sent yet. */
        TARGET_UNDO_DROPPED,
        /** Tap: an initial-sync chunk's records are queued and its progress checkpointed; not acknowledged. */
        TAP_INITIAL_SYNC_CHUNK_COVERED,
        /** Tap: a new disk is copied and its initial sync's SYNC_END queued; not acknowledged. */
        TAP_INITIAL_SYNC_END_SENT,
        // Failover (docs/operations.md): each persistence step of `datamover failover` at the target.
        /** Failover: the failover record (with the new generation) is durable; the replicas are not touched yet. */
        FAILOVER_RECORDED,
        /** Failover: an unfinished resync is rolled back through the undo log; the disks are not PROMOTED yet. */
        FAILOVER_ROLLED_BACK,
        /** Failover: the stamp records every disk PROMOTED in the new generation; the spool is not dropped yet. */
        FAILOVER_PROMOTED,
        /** Failover: the group's spool is dropped; the record does not say DONE yet. */
        FAILOVER_SPOOL_DROPPED,
        /** Target gateway: a source's disk grew; its replicas are grown and synced, the stamp has the old sizes. */
        TARGET_REPLICA_GROWN,
        // Failback (docs/operations.md): each persistence step of `datamover failback` at either site.
        /** Failback, either site: the failback record is durable; nothing else changed yet. */
        FAILBACK_RECORDED,
        /** Failback, recovery site: its tap's state directory is retired; the replicas are still PROMOTED. */
        FAILBACK_TAP_FENCED,
        /** Failback, recovery site: the stamp says UP_TO_DATE in the shared history; the failover record is kept. */
        FAILBACK_DEMOTED,
        /** Failback, recovery site: the failover record is deleted; the failback record does not say DONE yet. */
        FAILBACK_FAILOVER_CLEARED,
        /** Failback, original site: the new source directory continues the shared history; tap bits not cleared. */
        FAILBACK_SOURCE_SEEDED,
        /** Failback, original site: the tap's dirty bitmaps are cleared; the replica set is still there. */
        FAILBACK_TAP_CLEARED,
        /** Failback, original site: the replica set's links and stamp are gone; the record does not say DONE yet. */
        FAILBACK_REPLICAS_RETIRED,
        // Planned migration (docs/operations.md): the tap's steps of `datamover migrate`; the target's are FAILOVER_*.
        /** Migration, tap: new writes are held and the running ones done (in memory only); not answered yet. */
        MIGRATE_WRITES_HELD,
        /** Migration, tap: writes refused, the move durable in the state directory; the target is not promoted yet. */
        MIGRATE_TAP_MOVED
    }

    public static final String POINT_PROPERTY = "datamover.crash.point";
    public static final String AFTER_PROPERTY = "datamover.crash.after";
    /** The exit status of a crash injected here, to tell it from any other exit. */
    public static final int EXIT_STATUS = 86;

    private static final Logger LOG = LoggerFactory.getLogger(CrashPoint.class);
    /** Null unless armed: the one check every call makes. */
    private static final Point ARMED = armedPoint(System.getProperty(POINT_PROPERTY));
    private static final long AFTER = hitsBeforeCrash(System.getProperty(AFTER_PROPERTY, "1"));
    private static final AtomicLong HITS = new AtomicLong();

    private CrashPoint() {}

    /** The point this process is armed for, or null. */
    public static Point armed() {
        return ARMED;
    }

    /** At which hit of {@link #armed()} the process halts. */
    public static long after() {
        return AFTER;
    }

    /** Marks that {@code point} is reached: halts the process when it is the armed point's N-th hit. */
    public static void reached(Point point) {
        if (ARMED == point) {
            hit(point);
        }
    }

    private static void hit(Point point) {
        long hit = HITS.incrementAndGet();
        if (hit == AFTER) {
            LOG.error("crash injected at {} (hit {}): halting as kill -9 would", point, hit);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    static Point armedPoint(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        try {
            return Point.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + POINT_PROPERTY + "=" + name + " is not a crash point; one of "
                    + Arrays.toString(Point.values()), e);
        }
    }

    static long hitsBeforeCrash(String value) {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + AFTER_PROPERTY + "=" + value + " is not a number", e);
        }
        if (n < 1) {
            throw new IllegalArgumentException("-D" + AFTER_PROPERTY + "=" + value + " must be >= 1");
        }
        return n;
    }
}
