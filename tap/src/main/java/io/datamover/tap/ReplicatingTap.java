package io.datamover.tap;

import io.datamover.disk.DirectoryLock;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.sender.AckListener;
import io.datamover.tap.sender.BitmapReason;
import io.datamover.tap.sender.GatewaySender;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sender.SenderMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tap wired to its gateway sender: intercepted writes go to the sender, the gateway's durable
 * acks clear the tap's dirty bits, and a lost connection puts the tap in bitmap mode. Whenever the
 * tap is in bitmap mode (an outage, JOURNAL_FULL, dirty regions left from an earlier run) and the
 * sender is connected and handshaken, it resyncs the dirty regions and streams again. This is what
 * {@code datamover tap} runs.
 */
public final class ReplicatingTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatingTap.class);
    /** Block size the tap announces for its disks (the NBD preferred block size). */
    public static final int BLOCK_SIZE = 4096;
    /** How long a clean shutdown waits for the gateway to acknowledge the last records. */
    static final Duration DRAIN_WAIT = Duration.ofSeconds(5);
    /** How often the tap checks whether a resync can start. */
    private static final long RESYNC_CHECK_MS = 100;
    /** Longest pause between resyncs that did not bring the tap back to streaming (a gateway refusing again). */
    private static final long RESYNC_MAX_BACKOFF_MS = 10_000;

    private final GatewaySender sender;
    private final Tap tap;
    private final ExecutorService modeEvents;
    /** Runs the resyncs, one at a time; never interrupted (a read interrupted closes a disk's channel). */
    private final ScheduledExecutorService resyncs;
    private long resyncBackoffMs;
    private long nextResyncNanos = System.nanoTime();

    private ReplicatingTap(GatewaySender sender, Tap tap, ExecutorService modeEvents) {
        this.sender = sender;
        this.tap = tap;
        this.modeEvents = modeEvents;
        this.resyncs = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tap-resync", true));
    }

    /**
     * Connects to the gateway, waiting up to {@code connectWait} so the first writes can stream, then
     * serves NBD. A gateway that is not there in time does not stop the tap: it serves the guest in
     * bitmap mode and keeps trying to connect.
     */
    public static ReplicatingTap start(TapConfig tapConfig, SenderConfig senderConfig, Duration connectWait,
            MeterRegistry registry, InstantSource clock) throws IOException, InterruptedException {
        if (!tapConfig.pairId().equals(senderConfig.pairId())) {
            throw new InvalidTapConfigException("the tap's pair " + tapConfig.pairId() + " is not its sender's "
                    + senderConfig.pairId());
        }
        // Before the sender connects: a second tap on this state directory must not reach the gateway at all.
        DirectoryLock stateDirLock = Tap.lockStateDir(tapConfig);
        try {
            return start(tapConfig, stateDirLock, senderConfig, connectWait, registry, clock);
        } catch (IOException | RuntimeException | InterruptedException e) {
            try {
                stateDirLock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static ReplicatingTap start(TapConfig tapConfig, DirectoryLock stateDirLock, SenderConfig senderConfig,
            Duration connectWait, MeterRegistry registry, InstantSource clock)
            throws IOException, InterruptedException {
        AtomicReference<ReplicatingTap> started = new AtomicReference<>();
        // The sender reports mode changes under its own lock, while a write being handed off holds the group's lock
        // and waits for the sender's: applying the change on another thread keeps the two locks from crossing.
        ExecutorService modeEvents = Executors.newSingleThreadExecutor(new DefaultThreadFactory("tap-mode-events", true));
        // Acks reach the group on that thread too: the sender's event loop, which also sends, must not wait for the
        // group's lock while the guest's writes hold it (the window would fill meanwhile).
        LatestAck acks = new LatestAck(modeEvents, seq -> {
            ReplicatingTap t = started.get();
            if (t != null) {
                t.tap.acknowledge(tapConfig.consistencyGroupId(), seq);
            }
        });
        GatewaySender sender = GatewaySender.start(senderConfig, tapConfig.firstSeq(),
                new AckListener() {
                    @Override
                    public void durable(int cg, long seq) {
                        acks.acknowledged(seq);
                    }

                    @Override
                    public void acknowledgedLost(int cg, long heldSeq) {
                        acks.restartAfter(heldSeq);
                        resyncRequested(cg);
                    }

                    /** Before the connection carries anything, so the resync it leads to sees every bit. */
                    @Override
                    public void resyncRequested(int cg) {
                        resyncRequested(cg, null);
                    }

                    @Override
                    public void resyncRequested(int cg, ResyncRegions regions) {
                        Tap t = started.get() == null ? null : started.get().tap;
                        if (t == null) {
                            return; // still starting: the tap opens with the gateway's resume point
                        }
                        if (regions == null || regions.everything()) {
                            t.markEveryRegionDirty();
                        } else {
                            t.markRegionsDirty(regions.ranges());
                        }
                        modeEvents.execute(() -> flushDirtyBits(t));
                    }
                },
                (mode, reason, seq) -> {
                    Tap t = started.get() == null ? null : started.get().tap;
                    if (t != null && mode == SenderMode.BITMAP && reason != BitmapReason.CLOSED) {
                        modeEvents.execute(() -> {
                            // A resync may have resumed the sender since: then this loss is over, and the group's
                            // own records would have told it otherwise.
                            if (started.get().sender().mode() == SenderMode.BITMAP) {
                                t.replicationLost("the gateway sender went to bitmap mode (" + reason + ") at seq "
                                        + seq);
                            }
                        });
                    }
                },
                registry, clock);
        try {
            long deadline = System.nanoTime() + connectWait.toNanos();
            while (!sender.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(10); // bounded start-up wait for the first handshake
            }
            if (!sender.isConnected()) {
                LOG.warn("gateway {}:{} not reachable within {} ms: serving in bitmap mode, still connecting",
                        senderConfig.gatewayHost(), senderConfig.gatewayPort(), connectWait.toMillis());
            }
            Tap tap = Tap.start(tapConfig.withFirstSeq(sender.takeStartSeq()), stateDirLock, sender, registry, clock);
            if (tap.mode() == ReplicationMode.BITMAP) {
                sender.awaitResync(); // dirty regions from an earlier run: the resync continues after the gateway
            }
            ReplicatingTap replicating = new ReplicatingTap(sender, tap, modeEvents);
            started.set(replicating);
            // Acks that came while Tap.start ran (the initial sync streams from its first moment) found no tap.
            tap.acknowledge(tapConfig.consistencyGroupId(), sender.durableSeq());
            replicating.resyncs.scheduleWithFixedDelay(replicating::resyncIfNeeded, 0, RESYNC_CHECK_MS,
                    TimeUnit.MILLISECONDS);
            return replicating;
        } catch (IOException | RuntimeException | InterruptedException e) {
            sender.close();
            modeEvents.shutdownNow();
            throw e;
        }
    }

    private static void flushDirtyBits(Tap tap) {
        try {
            tap.flushDirtyBits();
        } catch (IOException e) {
            // In memory they are set: this run resyncs them all the same; only a crash before the next sync loses them.
            LOG.error("cannot make the dirty bits of every region durable: {}", e.toString());
        }
    }

    /**
     * Resyncs when the tap is in bitmap mode and the sender is connected and handshaken: after an outage, after
     * JOURNAL_FULL once the gateway takes the tap again, or with dirty regions from an earlier run. Resyncs that end
     * in bitmap mode again back off, so a gateway that keeps refusing is not flooded.
     */
    private void resyncIfNeeded() {
        if (tap.mode() != ReplicationMode.BITMAP || !sender.isConnected() || System.nanoTime() < nextResyncNanos) {
            return;
        }
        try {
            boolean streaming = tap.resync(sender::resumeForResync);
            resyncBackoffMs = streaming ? 0 : Math.min(RESYNC_MAX_BACKOFF_MS, Math.max(2 * resyncBackoffMs, 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("resync of consistency group {} failed to start", tap.config().consistencyGroupId(), e);
            resyncBackoffMs = RESYNC_MAX_BACKOFF_MS;
        }
        nextResyncNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(resyncBackoffMs);
    }

    /** The disks of a tap configuration as the handshake declares them (ids are export positions). */
    public static List<DiskInfo> disksOf(TapConfig config) throws IOException {
        List<DiskInfo> disks = new ArrayList<>();
        for (ExportConfig export : config.exports()) {
            try (SparseFile disk = SparseFile.openReadOnly(export.path())) { // also sizes block devices
                disks.add(new DiskInfo(disks.size(), export.name(), disk.size(), BLOCK_SIZE));
            }
        }
        return disks;
    }

    public Tap tap() {
        return tap;
    }

    public GatewaySender sender() {
        return sender;
    }

    /**
     * Stops serving (in-flight writes finish), gives the gateway up to {@code DRAIN_WAIT} to acknowledge
     * what was sent so those regions close clean, then closes the tap (bitmaps flushed) and the connection.
     */
    @Override
    public void close() throws IOException {
        resyncs.shutdown(); // no new resync; one running stops when the tap closes
        try {
            tap.stopServing();
            long deadline = System.nanoTime() + DRAIN_WAIT.toNanos();
            while (sender.isConnected() && sender.durableSeq() < sender.lastSentSeq() && System.nanoTime() < deadline) {
                Thread.sleep(10); // bounded wait for the last acks
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                applyLastAck();
                tap.close();
            } finally {
                awaitResyncsStopped();
                sender.close();
                modeEvents.shutdownNow();
            }
        }
    }

    /** The last acks may still be on their way to the group ({@link LatestAck}): applied before the bitmaps flush. */
    private void applyLastAck() {
        try {
            tap.acknowledge(tap.config().consistencyGroupId(), sender.durableSeq());
        } catch (IllegalArgumentException e) {
            // A seq the group never handed off (the gateway's resume point from an earlier run): nothing to clear.
            LOG.warn("last durable ack not applied at close: {}", e.getMessage());
        }
    }

    private void awaitResyncsStopped() {
        try {
            if (!resyncs.awaitTermination(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the resync thread did not stop within {} ms", DRAIN_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
