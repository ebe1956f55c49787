package io.datamover.cli.admin;

import io.datamover.protocol.DiskInfo;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.sender.SenderConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;

/**
 * The tap's status: its group's replication mode (STREAMING, RESYNCING or BITMAP, the tap is where it is decided),
 * the last seq ordered and the last one durable at the source gateway, the age of the oldest write not yet durable
 * there, the window in use, and the records ordered and bytes sent per second.
 */
public final class TapStatus implements StatusSource {
    private static final String BYTES_SENT = "datamover.sender.bytes.sent";

    private final String id;
    private final ReplicatingTap tap;
    private final SenderConfig sender;
    private final MeterRegistry registry;
    private final String cg;
    private final Rates rates = new Rates(10, System::nanoTime);

    public TapStatus(String id, ReplicatingTap tap, SenderConfig sender, MeterRegistry registry) {
        this.id = id;
        this.tap = tap;
        this.sender = sender;
        this.registry = registry;
        this.cg = Integer.toUnsignedString(sender.cgId());
    }

    @Override
    public void tick() {
        rates.sample("records", tap.tap().lastSeq());
        rates.sample("bytes", StatusSource.count(registry, BYTES_SENT, Integer.toString(sender.cgId())));
    }

    @Override
    public List<String> states() {
        return Arrays.stream(ReplicationMode.values()).map(Enum::name).toList();
    }

    @Override
    public StatusReport report() {
        String mode = tap.tap().mode().name();
        long last = tap.tap().lastSeq();
        long durable = tap.sender().durableSeq();
        List<StatusReport.Disk> disks = sender.disks().stream()
                .map((DiskInfo d) -> new StatusReport.Disk(d.name(), d.sizeBytes(), mode)).toList();
        return new StatusReport("tap", id, List.of(new StatusReport.Group(cg, sender.cgName(), sender.pairId(), mode,
                last, null, null, lagSeconds(), Math.max(0, last - durable), null, tap.sender().windowBytesInUse(),
                sender.windowBytes(), rates.perSecond("records"), rates.perSecond("bytes"), null, null, false,
                tap.sender().isConnected() ? null : "not connected to the source gateway", disks)
                .withRole(null, null, TapMigrationActions.describe(tap.tap()))));
    }

    /**
     * The tap's share of the lag: the age of the oldest write not yet durable at the source gateway; unknown (null)
     * in bitmap mode, where the writes are dirty bits of no recorded age.
     */
    private Double lagSeconds() {
        if (!tap.tap().mode().streams()) {
            return null;
        }
        long oldest = tap.sender().oldestUnacknowledgedMicros();
        if (oldest == Long.MAX_VALUE) {
            return 0.0;
        }
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        return Math.max(0, now - oldest) / 1e6;
    }
}
