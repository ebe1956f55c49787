package io.datamover.gateway.source;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.disk.GroupCapacity;
import io.datamover.gateway.source.journal.JournalRollCycle;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Names;
import io.datamover.protocol.netty.ListenerLimits;
import io.datamover.protocol.tls.TransportSecurity;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a {@link SourceGateway} needs, validated once by the canonical constructor; {@link #builder}
 * holds the defaults. Units are in the names.
 *
 * @param listen where taps connect
 * @param dataDir one directory per consistency group ({@code cg-<id>}: its identity and journal)
 * @param gatewayId this gateway's identity in handshakes
 * @param pairId the only replication pair served, or null to take each group's pair from its first tap
 * @param journalMaxBytes bound of each group's journal; when full, the tap is told to go to bitmap mode
 * @param journalRollCycle time one journal file covers; released space is freed a whole file at a time
 * @param maxQueuedBytes records received but not yet appended, per group; over it the tap is not read
 * @param heartbeatIntervalMs a HEARTBEAT goes to a tap after this long without sending it anything
 * @param readIdleTimeoutMs a tap silent this long is taken for dead (it heartbeats every second)
 * @param frameLimits bounds on frames from taps and on journal entries
 * @param shipper where and how every group's journal is shipped to the target gateway
 * @param maxGroups consistency groups this gateway takes, at most; a tap of one more is refused with TOO_MANY_GROUPS
 * @param listenerLimits what the taps' listener lets in before a tap's HELLO is accepted
 * @param transport mutual TLS (or, when the operator asked, plaintext) for taps and for the link to the target; the
 *        shipper's is the same ({@link Builder#transport})
 * @param coordination whether and how this gateway joins its site's gateway group; it ships a group only while it
 *        leads it (docs/coordination.md). None by default: the gateway serves its groups alone
 */
public record SourceGatewayConfig(InetSocketAddress listen, Path dataDir, String gatewayId, String pairId,
        long journalMaxBytes, JournalRollCycle journalRollCycle, long maxQueuedBytes, long heartbeatIntervalMs,
        long readIdleTimeoutMs, FrameLimits frameLimits, ShipperConfig shipper, int maxGroups,
        ListenerLimits listenerLimits, TransportSecurity transport, CoordinationSettings coordination) {

    public SourceGatewayConfig {
        Objects.requireNonNull(shipper, "shipper");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(frameLimits, "frameLimits");
        Objects.requireNonNull(journalRollCycle, "journalRollCycle");
        Objects.requireNonNull(listenerLimits, "listenerLimits");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(coordination, "coordination");
        check(shipper.transport() == transport, "the shipper must use the gateway's transport security");
        Names.requireId("gatewayId", gatewayId);
        if (pairId != null) {
            Names.requireId("pairId", pairId);
        }
        check(journalMaxBytes >= 1024 * 1024, "journalMaxBytes must be at least 1 MiB: " + journalMaxBytes);
        check(maxQueuedBytes >= frameLimits.maxPayloadBytes(),
                "maxQueuedBytes must hold the largest frame (" + frameLimits.maxPayloadBytes() + "): " + maxQueuedBytes);
        check(heartbeatIntervalMs >= 1, "heartbeatIntervalMs must be >= 1: " + heartbeatIntervalMs);
        check(readIdleTimeoutMs > heartbeatIntervalMs, "readIdleTimeoutMs must exceed heartbeatIntervalMs");
        check(maxGroups >= 1, "maxGroups must be >= 1: " + maxGroups);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder(InetSocketAddress listen, Path dataDir, ShipperConfig shipper) {
        return new Builder(listen, dataDir, shipper);
    }

    /** Defaults for everything but where to listen, where to keep data and where to ship. */
    public static final class Builder {
        private final InetSocketAddress listen;
        private final Path dataDir;
        private final ShipperConfig shipper;
        private String gatewayId = "source-gateway";
        private String pairId;
        private long journalMaxBytes = 1L << 30;
        private JournalRollCycle journalRollCycle = JournalRollCycle.FIVE_MINUTELY;
        private long maxQueuedBytes = 64L << 20;
        private long heartbeatIntervalMs = 1_000;
        private long readIdleTimeoutMs = 10_000;
        private FrameLimits frameLimits = FrameLimits.DEFAULT;
        private int maxGroups = GroupCapacity.DEFAULT_MAX_GROUPS;
        private ListenerLimits listenerLimits = ListenerLimits.DEFAULT;
        private TransportSecurity transport = TransportSecurity.insecurePlaintext();
        private CoordinationSettings coordination = CoordinationSettings.NONE;

        private Builder(InetSocketAddress listen, Path dataDir, ShipperConfig shipper) {
            this.listen = listen;
            this.dataDir = dataDir;
            this.shipper = shipper;
        }

        public Builder gatewayId(String value) { gatewayId = value; return this; }
        public Builder pairId(String value) { pairId = value; return this; }
        public Builder journalMaxBytes(long value) { journalMaxBytes = value; return this; }
        public Builder journalRollCycle(JournalRollCycle value) { journalRollCycle = value; return this; }
        public Builder maxQueuedBytes(long value) { maxQueuedBytes = value; return this; }
        public Builder heartbeatIntervalMs(long value) { heartbeatIntervalMs = value; return this; }
        public Builder readIdleTimeoutMs(long value) { readIdleTimeoutMs = value; return this; }
        public Builder frameLimits(FrameLimits value) { frameLimits = value; return this; }
        public Builder maxGroups(int value) { maxGroups = value; return this; }
        public Builder listenerLimits(ListenerLimits value) { listenerLimits = value; return this; }
        /** TLS for taps and for the shipper's link to the target; plaintext (nothing proved) by default. */
        public Builder transport(TransportSecurity value) { transport = value; return this; }
        public Builder coordination(CoordinationSettings value) { coordination = value; return this; }

        public SourceGatewayConfig build() {
            return new SourceGatewayConfig(listen, dataDir, gatewayId, pairId, journalMaxBytes, journalRollCycle,
                    maxQueuedBytes, heartbeatIntervalMs, readIdleTimeoutMs, frameLimits,
                    shipper.withTransport(transport), maxGroups, listenerLimits, transport, coordination);
        }
    }
}
