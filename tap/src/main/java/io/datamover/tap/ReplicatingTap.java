package io.datamover.tap;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tap wired to its gateway sender: intercepted writes go to the sender, the gateway's durable
 * acks clear the tap's dirty bits, and a lost connection puts the tap in bitmap mode. This is what
 * {@code datamover tap} runs.
 */
public final class ReplicatingTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatingTap.class);
    /** Block size the tap announces for its disks (the NBD preferred block size). */
    public static final int BLOCK_SIZE = 4096;
    /** How long a clean shutdown waits for the gateway to acknowledge the last records. */
    static final Duration DRAIN_WAIT = Duration.ofSeconds(5);

    private final GatewaySender sender;
    private final Tap tap;
    private final ExecutorService modeEvents;

    private ReplicatingTap(GatewaySender sender, Tap tap, ExecutorService modeEvents) {
        this.sender = sender;
        this.tap = tap;
        this.modeEvents = modeEvents;
    }

    /**
     * Connects to the gateway, waiting up to {@code connectWait} so the first writes can stream, then
     * serves NBD. A gateway that is not there in time does not stop the tap: it serves the guest in
     * bitmap mode and keeps trying to connect.
     */
    public static ReplicatingTap start(TapConfig tapConfig, SenderConfig senderConfig, Duration connectWait,
            MeterRegistry registry, InstantSource clock) throws IOException, InterruptedException {
        AtomicReference<Tap> started = new AtomicReference<>();
        // The sender reports mode changes under its own lock, while a write being handed off holds the group's lock
        // and waits for the sender's: applying the change on another thread keeps the two locks from crossing.
        ExecutorService modeEvents = Executors.newSingleThreadExecutor(new DefaultThreadFactory("tap-mode-events", true));
        GatewaySender sender = GatewaySender.start(senderConfig, tapConfig.firstSeq(),
                (cg, seq) -> {
                    Tap t = started.get();
                    if (t != null) {
                        t.acknowledge(Integer.toUnsignedLong(cg), seq);
                    }
                },
                (mode, reason, seq) -> {
                    Tap t = started.get();
                    if (t != null && mode == SenderMode.BITMAP && reason != BitmapReason.CLOSED) {
                        modeEvents.execute(() -> t.replicationLost(
                                "the gateway sender went to bitmap mode (" + reason + ") at seq " + seq));
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
            Tap tap = Tap.start(tapConfig.withFirstSeq(sender.takeStartSeq()), sender, registry, clock);
            started.set(tap);
            // Acks that came while Tap.start ran (the initial sync streams from its first moment) found no tap.
            tap.acknowledge(tapConfig.consistencyGroupId(), sender.durableSeq());
            return new ReplicatingTap(sender, tap, modeEvents);
        } catch (IOException | RuntimeException | InterruptedException e) {
            sender.close();
            modeEvents.shutdownNow();
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
                tap.close();
            } finally {
                sender.close();
                modeEvents.shutdownNow();
            }
        }
    }
}
