package io.datamover.tap.sender;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Feature;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import io.datamover.protocol.Wire;
import io.datamover.protocol.netty.LinkSettings;
import io.datamover.protocol.netty.PeerAddress;
import io.datamover.protocol.tls.TransportSecurity;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything a {@link GatewaySender} needs, frozen and validated once by the canonical constructor
 * (use {@link #builder} for the defaults). Units are in the names.
 *
 * @param gateways the source gateways of the site, in the order tried: the tap connects to the first that leads its
 *        group (a standby answers NOT_LEADER) and moves on to the next when its gateway is gone; at least one
 * @param senderId this tap's identity in the handshake
 * @param pairId the replication pair
 * @param cgId consistency group id, the {@code cg} of every record
 * @param cgName consistency group name
 * @param disks the disks records may refer to, declared in the handshake
 * @param windowBytes encoded bytes of records sent but not yet acknowledged DURABLE; over it, bitmap mode
 * @param writeBufferLowWaterMarkBytes the socket is writable again below this many queued bytes
 * @param writeBufferHighWaterMarkBytes queued-but-unwritten bytes above which the socket counts as not writable
 *        (a flush hint is then not sent; records are bounded by the window, not by this)
 * @param link connect timeout, reconnect backoff, heartbeats and silence timeout, ack timeout, close wait
 * @param outageGraceMs how long a lost connection may take to come back while records wait in the window;
 *        longer, and the sender goes to bitmap mode (as it does when the window fills first)
 * @param frameLimits bounds on frames from the gateway
 * @param transport mutual TLS to the gateway, which must prove it is a source gateway of {@code pairId}; or, when
 *        the operator asked, plaintext. Plaintext (nothing proved) by default
 * @param thickReplica ask the target for thick replicas (the source disks are on NFS): a request bit in the HELLO
 */
public record SenderConfig(List<PeerAddress> gateways, String senderId, String pairId, int cgId,
        String cgName, List<DiskInfo> disks, long windowBytes, int writeBufferLowWaterMarkBytes,
        int writeBufferHighWaterMarkBytes, LinkSettings link, long outageGraceMs, FrameLimits frameLimits,
        TransportSecurity transport, boolean thickReplica) {

    /**
     * Smallest window accepted. A record larger than the window is always refused, so production
     * windows should exceed the tap's largest request ({@link Wire#MAX_WRITE_BYTES} at most).
     */
    public static final long MIN_WINDOW_BYTES = 64 * 1024;

    public SenderConfig {
        Objects.requireNonNull(frameLimits, "frameLimits");
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(transport, "transport");
        disks = List.copyOf(disks);
        gateways = List.copyOf(gateways);
        check(!gateways.isEmpty(), "at least one gateway address is needed");
        check(windowBytes >= MIN_WINDOW_BYTES, "windowBytes must be at least " + MIN_WINDOW_BYTES + ": " + windowBytes);
        check(writeBufferLowWaterMarkBytes >= 1 && writeBufferLowWaterMarkBytes < writeBufferHighWaterMarkBytes,
                "writeBufferLowWaterMarkBytes must be 1..writeBufferHighWaterMarkBytes-1: "
                        + writeBufferLowWaterMarkBytes);
        check(writeBufferHighWaterMarkBytes <= windowBytes,
                "writeBufferHighWaterMarkBytes must not exceed windowBytes: " + writeBufferHighWaterMarkBytes);
        check(outageGraceMs >= 0, "outageGraceMs must be >= 0: " + outageGraceMs);
        // The handshake validates identities, names and disks; fail here, once, rather than on every connect.
        hello(senderId, pairId, cgId, cgName, disks);
    }

    /** A builder with defaults for everything but the gateway address and the identities. */
    public static Builder builder(String gatewayHost, int gatewayPort) {
        return builder(List.of(new PeerAddress(gatewayHost, gatewayPort)));
    }

    /** A builder with defaults for everything but the gateways' addresses (tried in this order) and the identities. */
    public static Builder builder(List<PeerAddress> gateways) {
        return new Builder(gateways);
    }

    /** The gateways' addresses for logs: {@code a:1,b:2}. */
    public String gatewaysText() {
        return PeerAddress.describe(gateways);
    }

    /** The HELLO this sender opens every connection with; it follows a NOT_LEADER's redirect (ReconnectingClient). */
    Hello hello() {
        return hello(senderId, pairId, cgId, cgName, disks).requesting(Feature.THICK_REPLICA, thickReplica)
                .requesting(Feature.REDIRECT, true).requesting(Feature.LEADER_EPOCH, true);
    }

    private static Hello hello(String senderId, String pairId, int cgId, String cgName, List<DiskInfo> disks) {
        return Hello.of(Role.TAP, senderId, pairId, cgId, cgName, disks);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("sender configuration: " + message);
        }
    }

    /** Largest window {@link #defaultWindowBytes} picks. */
    public static final long MAX_DEFAULT_WINDOW_BYTES = 1L << 30;

    /**
     * The window when the operator sets none: a quarter of the direct memory the JVM may use (the window's records
     * keep their payload in direct buffers, next to the socket's buffers and the requests in flight), at most
     * {@value #MAX_DEFAULT_WINDOW_BYTES} bytes: about a second of writes at 1 GB/s waiting for acks, so a burst
     * at disk speed or a gateway stalled for a moment does not cost a resync. Never below {@link #MIN_WINDOW_BYTES}.
     */
    public static long defaultWindowBytes(long maxDirectMemoryBytes) {
        return Math.max(MIN_WINDOW_BYTES, Math.min(MAX_DEFAULT_WINDOW_BYTES, maxDirectMemoryBytes / 4));
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private final List<PeerAddress> gateways;
        private String senderId = "tap";
        private String pairId = "pair";
        private int cgId = 1;
        private String cgName = "cg";
        private List<DiskInfo> disks = List.of();
        private long windowBytes = 64L << 20;
        /** 0 until set: then derived from the window (a quarter of it, at most 16 MiB). */
        private int writeBufferLowWaterMarkBytes;
        private int writeBufferHighWaterMarkBytes;
        private LinkSettings link = LinkSettings.DEFAULT;
        private long outageGraceMs = 30_000;
        private FrameLimits frameLimits = FrameLimits.DEFAULT;
        private TransportSecurity transport = TransportSecurity.insecurePlaintext();
        private boolean thickReplica;

        private Builder(List<PeerAddress> gateways) {
            this.gateways = gateways;
        }

        public Builder identity(String senderId, String pairId) {
            this.senderId = senderId;
            this.pairId = pairId;
            return this;
        }

        public Builder consistencyGroup(int cgId, String cgName, List<DiskInfo> disks) {
            this.cgId = cgId;
            this.cgName = cgName;
            this.disks = disks;
            return this;
        }

        public Builder windowBytes(long windowBytes) {
            this.windowBytes = windowBytes;
            return this;
        }

        public Builder writeBufferWaterMarks(int lowBytes, int highBytes) {
            this.writeBufferLowWaterMarkBytes = lowBytes;
            this.writeBufferHighWaterMarkBytes = highBytes;
            return this;
        }

        public Builder outageGraceMs(long outageGraceMs) {
            this.outageGraceMs = outageGraceMs;
            return this;
        }

        public Builder frameLimits(FrameLimits frameLimits) {
            this.frameLimits = frameLimits;
            return this;
        }

        /**
         * Changes how the connection is kept (reconnect backoff, liveness, close and ack timeouts), e.g.
         * {@code link(l -> l.withReconnect(50, 500, 0.1))}: see {@link LinkSettings}.
         */
        public Builder link(UnaryOperator<LinkSettings> change) {
            link = change.apply(link);
            return this;
        }

        public Builder transport(TransportSecurity transport) {
            this.transport = transport;
            return this;
        }

        /** Asks the target for thick replicas (false by default): see {@link io.datamover.tap.ReplicatingTap#sourcesOnNfs}. */
        public Builder thickReplica(boolean thick) {
            this.thickReplica = thick;
            return this;
        }

        public SenderConfig build() {
            int high = writeBufferHighWaterMarkBytes;
            int low = writeBufferLowWaterMarkBytes;
            if (high == 0) {
                high = (int) Math.min(16L << 20, windowBytes / 4);
                low = high / 2;
            }
            return new SenderConfig(gateways, senderId, pairId, cgId, cgName, disks, windowBytes,
                    low, high, link, outageGraceMs, frameLimits, transport, thickReplica);
        }
    }
}
