package io.datamover.tap;

import io.datamover.protocol.Names;
import io.datamover.tap.sync.InitialSync;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Everything a tap needs to run, validated once by {@link Builder#build()} (or the canonical constructor). Units are
 * in the names. The disks of one tap form one consistency group; a disk's index in the group is its position in
 * {@code exports}.
 *
 * @param consistencyGroupId id of the group in write records
 * @param pairId the replication pair the group belongs to; recorded with the dirty bitmaps, which describe the disks
 *        against that pair's replicas only
 * @param exports the disks, at least one; the first is also served under the empty (default) export name
 * @param stateDir where the dirty bitmaps live, one file per disk
 * @param bindHost address to listen on, e.g. 127.0.0.1
 * @param port TCP port, 0 for any free port
 * @param regionSizeBytes bytes per dirty-bitmap bit: power of two, 4 KiB to 1 GiB
 * @param maxRequestBytes largest READ/WRITE payload (advertised as maximum block size), 4 KiB to 32 MiB
 * @param maxOptionBytes largest handshake option accepted
 * @param ioThreads threads for disk I/O (never the event loop)
 * @param eventLoopThreads Netty event-loop threads
 * @param maxConnections connections served at once; more are closed at accept
 * @param maxInFlightRequestsPerConnection requests a connection may have in flight before its reads pause
 * @param maxInFlightBytesPerConnection READ/WRITE bytes a connection may have in flight before its reads pause
 * @param maxPendingHandoffBytes payload bytes that may wait, replied but not yet handed to the sink in seq order
 * @param replicationWindowRecords records the sink may hold unacknowledged before the group goes to bitmap mode
 * @param dirtyRetentionMillis how long an idle region stays dirty before it is cleared (keeps hot regions set)
 * @param handshakeTimeoutMillis time a client has to choose an export
 * @param shutdownTimeoutMillis time in-flight requests get to finish on close
 * @param firstSeq seq of the first write
 * @param initialSync what to do for a disk protected for the first time (no bitmap yet)
 * @param initialSyncChunkBytes bytes the initial sync reads at a time (its memory), a multiple of 4 KiB; see
 *        {@link #initialSyncReadBytes()}
 * @param initialSyncMaxUnacknowledgedBytes the initial sync pauses while the records the gateway has not
 *        acknowledged carry more payload than this, so guests' writes keep room in the sender's window; keep it
 *        well below the sender's window and socket high water mark
 */
public record TapConfig(long consistencyGroupId, String pairId, List<ExportConfig> exports, Path stateDir,
        String bindHost, int port, int regionSizeBytes, int maxRequestBytes, int maxOptionBytes, int ioThreads,
        int eventLoopThreads,
        int maxConnections, int maxInFlightRequestsPerConnection, long maxInFlightBytesPerConnection,
        int maxPendingHandoffBytes, int replicationWindowRecords, long dirtyRetentionMillis, long handshakeTimeoutMillis,
        long shutdownTimeoutMillis, long firstSeq, InitialSync initialSync, int initialSyncChunkBytes,
        long initialSyncMaxUnacknowledgedBytes) {

    public static final int MAX_REQUEST_BYTES_LIMIT = 32 << 20;

    public TapConfig {
        Objects.requireNonNull(exports, "exports");
        try {
            Names.requireId("pairId", pairId);
        } catch (IllegalArgumentException e) {
            throw new InvalidTapConfigException(e.getMessage());
        }
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(initialSync, "initialSync");
        exports = List.copyOf(exports);
        if (exports.isEmpty()) {
            throw new InvalidTapConfigException("a tap needs at least one export");
        }
        Set<String> names = new HashSet<>();
        for (ExportConfig export : exports) {
            if (!names.add(export.name())) {
                throw new InvalidTapConfigException("export name '" + export.name() + "' is used twice");
            }
        }
        check(port >= 0 && port <= 65535, "port must be 0..65535: " + port);
        check(Integer.bitCount(regionSizeBytes) == 1 && regionSizeBytes >= 4096 && regionSizeBytes <= (1 << 30),
                "regionSizeBytes must be a power of two from 4096 to 1 GiB: " + regionSizeBytes);
        check(maxRequestBytes >= 4096 && maxRequestBytes <= MAX_REQUEST_BYTES_LIMIT,
                "maxRequestBytes must be 4096.." + MAX_REQUEST_BYTES_LIMIT + ": " + maxRequestBytes);
        check(maxOptionBytes >= 1024 && maxOptionBytes <= (1 << 20), "maxOptionBytes must be 1 KiB..1 MiB: " + maxOptionBytes);
        check(ioThreads >= 1 && ioThreads <= 1024, "ioThreads must be 1..1024: " + ioThreads);
        check(eventLoopThreads >= 1 && eventLoopThreads <= 256, "eventLoopThreads must be 1..256: " + eventLoopThreads);
        check(maxConnections >= 1 && maxConnections <= 4096, "maxConnections must be 1..4096: " + maxConnections);
        check(maxInFlightRequestsPerConnection >= 1 && maxInFlightRequestsPerConnection <= 1024,
                "maxInFlightRequestsPerConnection must be 1..1024: " + maxInFlightRequestsPerConnection);
        check(maxInFlightBytesPerConnection >= maxRequestBytes,
                "maxInFlightBytesPerConnection must be at least maxRequestBytes: " + maxInFlightBytesPerConnection);
        check(maxPendingHandoffBytes >= maxRequestBytes,
                "maxPendingHandoffBytes must be at least maxRequestBytes: " + maxPendingHandoffBytes);
        check(replicationWindowRecords >= 1, "replicationWindowRecords must be >= 1: " + replicationWindowRecords);
        check(dirtyRetentionMillis >= 1, "dirtyRetentionMillis must be >= 1: " + dirtyRetentionMillis);
        check(handshakeTimeoutMillis >= 1, "handshakeTimeoutMillis must be >= 1: " + handshakeTimeoutMillis);
        check(shutdownTimeoutMillis >= 0, "shutdownTimeoutMillis must be >= 0: " + shutdownTimeoutMillis);
        check(firstSeq >= 1, "firstSeq must be >= 1: " + firstSeq);
        check(initialSyncChunkBytes >= 4096 && initialSyncChunkBytes <= MAX_REQUEST_BYTES_LIMIT
                && initialSyncChunkBytes % 4096 == 0,
                "initialSyncChunkBytes must be a multiple of 4096 up to " + MAX_REQUEST_BYTES_LIMIT + ": "
                        + initialSyncChunkBytes);
        check(initialSyncMaxUnacknowledgedBytes >= 0,
                "initialSyncMaxUnacknowledgedBytes must be >= 0: " + initialSyncMaxUnacknowledgedBytes);
    }

    /** This configuration with another first seq (the gateway decides it for a tap starting clean). */
    public TapConfig withFirstSeq(long seq) {
        return new TapConfig(consistencyGroupId, pairId, exports, stateDir, bindHost, port, regionSizeBytes,
                maxRequestBytes, maxOptionBytes, ioThreads, eventLoopThreads, maxConnections, maxInFlightRequestsPerConnection,
                maxInFlightBytesPerConnection, maxPendingHandoffBytes, replicationWindowRecords, dirtyRetentionMillis,
                handshakeTimeoutMillis, shutdownTimeoutMillis, seq, initialSync, initialSyncChunkBytes,
                initialSyncMaxUnacknowledgedBytes);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new InvalidTapConfigException(message);
        }
    }

    /** The I/O tasks that can be queued at once: every connection's full in-flight allowance. */
    public int ioQueueCapacity() {
        return maxConnections * maxInFlightRequestsPerConnection;
    }

    /** The initial sync's chunk, no larger than a request or the reorder buffer, whole 4 KiB blocks. */
    public int initialSyncReadBytes() {
        int bound = Math.min(initialSyncChunkBytes, Math.min(maxRequestBytes, maxPendingHandoffBytes));
        return Math.max(4096, bound & ~4095);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults in one place; {@link #build()} validates. */
    public static final class Builder {
        private long consistencyGroupId = 1;
        private String pairId = "default";
        private List<ExportConfig> exports = List.of();
        private Path stateDir;
        private String bindHost = "127.0.0.1";
        private int port = 10809;
        private int regionSizeBytes = 64 << 10;
        private int maxRequestBytes = MAX_REQUEST_BYTES_LIMIT;
        private int maxOptionBytes = 64 << 10;
        private int ioThreads = 8;
        private int eventLoopThreads = 2;
        private int maxConnections = 64;
        private int maxInFlightRequestsPerConnection = 64;
        private long maxInFlightBytesPerConnection = 64L << 20;
        private int maxPendingHandoffBytes = 256 << 20;
        private int replicationWindowRecords = 65_536;
        private long dirtyRetentionMillis = 10_000;
        private long handshakeTimeoutMillis = 10_000;
        private long shutdownTimeoutMillis = 30_000;
        private long firstSeq = 1;
        private InitialSync initialSync = InitialSync.AUTO;
        private int initialSyncChunkBytes = 1 << 20;
        private long initialSyncMaxUnacknowledgedBytes = 8L << 20;

        private Builder() {
        }

        public Builder consistencyGroupId(long value) { consistencyGroupId = value; return this; }
        public Builder pairId(String value) { pairId = value; return this; }
        public Builder exports(List<ExportConfig> value) { exports = value; return this; }
        public Builder export(String name, Path path) {
            exports = Stream.concat(exports.stream(), Stream.of(new ExportConfig(name, path))).toList();
            return this;
        }
        public Builder stateDir(Path value) { stateDir = value; return this; }
        public Builder bindHost(String value) { bindHost = value; return this; }
        public Builder port(int value) { port = value; return this; }
        public Builder regionSizeBytes(int value) { regionSizeBytes = value; return this; }
        public Builder maxRequestBytes(int value) { maxRequestBytes = value; return this; }
        public Builder maxOptionBytes(int value) { maxOptionBytes = value; return this; }
        public Builder ioThreads(int value) { ioThreads = value; return this; }
        public Builder eventLoopThreads(int value) { eventLoopThreads = value; return this; }
        public Builder maxConnections(int value) { maxConnections = value; return this; }
        public Builder maxInFlightRequestsPerConnection(int value) { maxInFlightRequestsPerConnection = value; return this; }
        public Builder maxInFlightBytesPerConnection(long value) { maxInFlightBytesPerConnection = value; return this; }
        public Builder maxPendingHandoffBytes(int value) { maxPendingHandoffBytes = value; return this; }
        public Builder replicationWindowRecords(int value) { replicationWindowRecords = value; return this; }
        public Builder dirtyRetentionMillis(long value) { dirtyRetentionMillis = value; return this; }
        public Builder handshakeTimeoutMillis(long value) { handshakeTimeoutMillis = value; return this; }
        public Builder shutdownTimeoutMillis(long value) { shutdownTimeoutMillis = value; return this; }
        public Builder firstSeq(long value) { firstSeq = value; return this; }
        public Builder initialSync(InitialSync value) { initialSync = value; return this; }
        public Builder initialSyncChunkBytes(int value) { initialSyncChunkBytes = value; return this; }
        public Builder initialSyncMaxUnacknowledgedBytes(long value) { initialSyncMaxUnacknowledgedBytes = value; return this; }

        public TapConfig build() {
            if (stateDir == null) {
                throw new InvalidTapConfigException("stateDir is required");
            }
            return new TapConfig(consistencyGroupId, pairId, exports, stateDir, bindHost, port, regionSizeBytes,
                    maxRequestBytes, maxOptionBytes, ioThreads, eventLoopThreads, maxConnections, maxInFlightRequestsPerConnection,
                    maxInFlightBytesPerConnection, maxPendingHandoffBytes, replicationWindowRecords, dirtyRetentionMillis,
                    handshakeTimeoutMillis, shutdownTimeoutMillis, firstSeq, initialSync, initialSyncChunkBytes,
                    initialSyncMaxUnacknowledgedBytes);
        }
    }
}
