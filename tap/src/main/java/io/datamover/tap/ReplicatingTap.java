package io.datamover.tap;

import io.datamover.coordination.HighestEpoch;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.sender.GatewaySender;
import io.datamover.tap.sender.SenderConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tap wired to its gateway sender through the group's {@link StreamOwner}: intercepted writes go to the sender,
 * handed off in seq order on the owner's thread, the
 * gateway's durable acks clear the tap's dirty bits, and a lost connection puts the tap in bitmap mode. Whenever the
 * tap is in bitmap mode (an outage, JOURNAL_FULL, dirty regions left from an earlier run) and the sender is connected
 * and handshaken, the owner resyncs the dirty regions and the tap streams again. This is what {@code datamover tap}
 * runs.
 */
public final class ReplicatingTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatingTap.class);
    /**
     * In the state directory: the highest epoch of a leading source gateway this tap has seen for its group; a lower
     * one's HELLO_ACK is refused (docs/coordination.md).
     */
    static final String EPOCH_FILE = "gateway-epoch";
    /** Block size the tap announces for its disks (the NBD preferred block size). */
    public static final int BLOCK_SIZE = 4096;
    /** How long a clean shutdown waits for the gateway to acknowledge the last records. */
    static final Duration DRAIN_WAIT = Duration.ofSeconds(5);

    private final GatewaySender sender;
    private final Tap tap;
    private final StreamOwner owner;
    private final VerifyResponder verifier;

    private ReplicatingTap(GatewaySender sender, Tap tap, StreamOwner owner, VerifyResponder verifier) {
        this.sender = sender;
        this.tap = tap;
        this.owner = owner;
        this.verifier = verifier;
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
        // The owner exists before the sender, so the sender's events from its first handshake wait in the owner's
        // queue until the tap they apply to has started.
        StreamOwner owner = new StreamOwner(tapConfig.consistencyGroupId());
        GatewaySender sender = GatewaySender.start(senderConfig, tapConfig.firstSeq(), owner, owner,
                HighestEpoch.open(tapConfig.stateDir().resolve(EPOCH_FILE)), registry, clock);
        try {
            if (!owner.awaitFirstHandshake(connectWait) || !sender.isConnected()) {
                LOG.warn("gateway {} not reachable within {} ms: serving in bitmap mode, still connecting",
                        senderConfig.gatewaysText(), connectWait.toMillis());
            }
            Tap tap = Tap.start(tapConfig.withFirstSeq(sender.takeStartSeq()), stateDirLock, sender, registry, clock);
            sender.reportPaused(tap.mode() == ReplicationMode.PAUSED);
            if (!tap.mode().streams()) {
                // Dirty regions from an earlier run, or paused by the operator before the restart: the resync (after
                // the resume) continues after the gateway.
                sender.awaitResync();
            }
            tap.onBitmapMode(owner::groupInBitmap);
            tap.handOffBy(owner::handOffReady);
            tap.onInitialSyncEnded(owner::initialSyncEnded);
            owner.start(tap, sender);
            VerifyResponder verifier = new VerifyResponder(tap);
            sender.answerVerifyWith(verifier::answer);
            return new ReplicatingTap(sender, tap, owner, verifier);
        } catch (IOException | RuntimeException | InterruptedException e) {
            sender.close();
            owner.close();
            throw e;
        }
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

    /**
     * True when an export's image is on NFS, which is not thin-aware: the tap then asks the target for thick replicas
     * ({@link io.datamover.protocol.Feature#THICK_REPLICA}) and says so here. Only the used blocks are still sent.
     */
    public static boolean sourcesOnNfs(TapConfig config) throws IOException {
        boolean onNfs = false;
        for (ExportConfig export : config.exports()) {
            try (SparseFile disk = SparseFile.openReadOnly(export.path())) {
                if (disk.isOnNfs()) {
                    LOG.info("export {}: {} is on NFS (not thin-aware): asking the target for thick replicas",
                            export.name(), export.path());
                    onNfs = true;
                }
            }
        }
        return onNfs;
    }

    public Tap tap() {
        return tap;
    }

    /**
     * The operator pauses the group ({@link Tap#pause}), then the source gateway is told, so its status shows PAUSED
     * too ({@link GatewaySender#reportPaused}). Idempotent.
     */
    public void pause() throws IOException {
        tap.pause();
        sender.reportPaused(true);
    }

    /**
     * The operator resumes the group: the source gateway is told first, so the resync's records never arrive at a
     * gateway that still shows PAUSED, then the tap resumes ({@link Tap#resume}); told paused again if that fails.
     */
    public void resume() throws IOException {
        sender.reportPaused(false);
        try {
            tap.resume();
        } catch (IOException | RuntimeException e) {
            sender.reportPaused(tap.mode() == ReplicationMode.PAUSED);
            throw e;
        }
    }

    public GatewaySender sender() {
        return sender;
    }

    /** Events waiting for the group's stream owner: at most one per kind, whatever the guest and the gateway do. */
    int queuedStreamEvents() {
        return owner.queued();
    }

    /**
     * Stops serving (in-flight writes finish), gives the stream owner and the gateway up to {@code DRAIN_WAIT} to hand
     * off and acknowledge the last writes so those regions close clean, then closes the tap (bitmaps flushed) and the
     * connection.
     */
    @Override
    public void close() throws IOException {
        owner.stopResyncs(); // no new resync; one running stops when the tap closes
        try {
            tap.stopServing();
            // The owner hands off the last writes, then the gateway acknowledges them (and its target applies them,
            // when the tap's bits wait for that).
            owner.whenStreamIdle().get(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.info("the last writes not all handed off and acknowledged within {} ms: their regions stay dirty",
                    DRAIN_WAIT.toMillis());
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                applyLastAck();
                tap.close();
            } finally {
                owner.awaitResyncStopped(DRAIN_WAIT.toMillis());
                verifier.close();
                sender.close();
                owner.close();
            }
        }
    }

    /** The last acks may still be on their way to the group (in the owner's queue): applied before the bitmaps flush. */
    private void applyLastAck() {
        try {
            tap.acknowledge(tap.config().consistencyGroupId(), sender.durableSeq());
            tap.applied(sender.appliedSeq());
        } catch (IllegalArgumentException e) {
            // A seq the group never handed off (the gateway's resume point from an earlier run): nothing to clear.
            LOG.warn("last durable ack not applied at close: {}", e.getMessage());
        }
    }
}
