package io.datamover.gateway.source.ship;

import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Wire;
import io.datamover.protocol.netty.LinkSettings;
import io.datamover.protocol.netty.PeerAddress;
import io.datamover.protocol.tls.TransportSecurity;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How one consistency group's shipper talks to the target gateway, frozen and validated once by
 * the canonical constructor ({@link #builder} gives the defaults). Units are in the names.
 *
 * @param targets the target gateways of the recovery site, in the order tried: the shipper connects to the one that
 *        leads the group (another answers NOT_LEADER, naming it) and moves on to the next when its gateway is gone; at
 *        least one
 * @param batchIntervalMs a batch is cut this long after its first record at the latest
 * @param batchMaxBytes a batch is cut before its body (entries before coalescing) would pass this
 * @param compressionEnabled offer LZ4 batches (used only when the target agrees and it pays)
 * @param maxBatchesInFlight batches sent but not yet acknowledged DURABLE, at most
 * @param maxBytesInFlight wire bytes of those batches, at most (one batch always fits)
 * @param link connect timeout, reconnect backoff, heartbeats and silence timeout, ack timeout, close wait (the
 *        close also waits for the shipper's thread)
 * @param idleCheckMs longest the shipper's thread sleeps without a wake-up (a safety net: new
 *        durable records, acks and connection changes wake it at once)
 * @param targetFrameLimits bounds the target enforces on frames; every batch must fit them
 * @param transport TLS to the target, or plaintext; the source gateway's own (see
 *        {@code SourceGatewayConfig.Builder#transport}), plaintext by default
 * @param throttle the rate limit of the link, shared by every group's shipper built from this configuration and
 *        changeable at run time (unlimited by default)
 */
public record ShipperConfig(List<PeerAddress> targets, long batchIntervalMs, int batchMaxBytes,
        boolean compressionEnabled, int maxBatchesInFlight, long maxBytesInFlight, LinkSettings link,
        long idleCheckMs, FrameLimits targetFrameLimits, TransportSecurity transport, LinkThrottle throttle) {

    /** Room for the batch header and frame header beside the body. */
    private static final int BATCH_OVERHEAD_BYTES = 1024;
    /** A body past the batch size holds at most one write past it: a maximal DATA write and its fields. */
    private static final int LARGEST_ENTRY_BYTES = Wire.MAX_WRITE_BYTES + 64;

    public ShipperConfig {
        targets = List.copyOf(targets);
        Objects.requireNonNull(targetFrameLimits, "targetFrameLimits");
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(throttle, "throttle");
        check(!targets.isEmpty(), "at least one target gateway address is needed");
        check(batchIntervalMs >= 1, "batchIntervalMs must be >= 1: " + batchIntervalMs);
        check(batchMaxBytes >= 4096, "batchMaxBytes must be >= 4096: " + batchMaxBytes);
        long largestBody = Math.max(batchMaxBytes, LARGEST_ENTRY_BYTES);
        int targetBound = Math.min(targetFrameLimits.maxBatchBytes(), targetFrameLimits.maxPayloadBytes());
        check(largestBody + BATCH_OVERHEAD_BYTES <= targetBound, "batches of up to " + largestBody
                + " bytes (batchMaxBytes, or one maximal write) must fit the target's limit of " + targetBound);
        check(maxBatchesInFlight >= 1, "maxBatchesInFlight must be >= 1: " + maxBatchesInFlight);
        check(maxBytesInFlight >= batchMaxBytes, "maxBytesInFlight must be >= batchMaxBytes: " + maxBytesInFlight);
        check(idleCheckMs >= 1, "idleCheckMs must be >= 1: " + idleCheckMs);
    }

    /** A builder with defaults for everything but the target's address. */
    public static Builder builder(String targetHost, int targetPort) {
        return builder(List.of(new PeerAddress(targetHost, targetPort)));
    }

    /** As {@link #builder(String, int)}, for the target gateways of a recovery site's gateway group. */
    public static Builder builder(List<PeerAddress> targets) {
        return new Builder(targets);
    }

    /** This configuration with connections secured by {@code value}. */
    public ShipperConfig withTransport(TransportSecurity value) {
        return new ShipperConfig(targets, batchIntervalMs, batchMaxBytes, compressionEnabled,
                maxBatchesInFlight, maxBytesInFlight, link, idleCheckMs, targetFrameLimits, value, throttle);
    }

    /** The target gateways' addresses, for logs. */
    String target() {
        return PeerAddress.describe(targets);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("shipper configuration: " + message);
        }
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private final List<PeerAddress> targets;
        private long batchIntervalMs = 100;
        private int batchMaxBytes = 8 << 20;
        private boolean compressionEnabled = true;
        private int maxBatchesInFlight = 8;
        private long maxBytesInFlight = 64L << 20;
        private LinkSettings link = LinkSettings.DEFAULT;
        private long idleCheckMs = 1_000;
        private FrameLimits targetFrameLimits = FrameLimits.DEFAULT;
        private LinkThrottle throttle = LinkThrottle.unlimited();

        private Builder(List<PeerAddress> targets) {
            this.targets = targets;
        }

        public Builder batch(long intervalMs, int maxBytes) {
            this.batchIntervalMs = intervalMs;
            this.batchMaxBytes = maxBytes;
            return this;
        }

        public Builder compressionEnabled(boolean compressionEnabled) {
            this.compressionEnabled = compressionEnabled;
            return this;
        }

        public Builder inFlight(int maxBatches, long maxBytes) {
            this.maxBatchesInFlight = maxBatches;
            this.maxBytesInFlight = maxBytes;
            return this;
        }

        public Builder idleCheckMs(long idleCheckMs) {
            this.idleCheckMs = idleCheckMs;
            return this;
        }

        public Builder targetFrameLimits(FrameLimits targetFrameLimits) {
            this.targetFrameLimits = targetFrameLimits;
            return this;
        }

        /** The link's rate limit, shared by every group's shipper of the gateway. */
        public Builder throttle(LinkThrottle throttle) {
            this.throttle = throttle;
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

        public ShipperConfig build() {
            return new ShipperConfig(targets, batchIntervalMs, batchMaxBytes, compressionEnabled,
                    maxBatchesInFlight, maxBytesInFlight, link, idleCheckMs, targetFrameLimits,
                    TransportSecurity.insecurePlaintext(), throttle);
        }
    }
}
