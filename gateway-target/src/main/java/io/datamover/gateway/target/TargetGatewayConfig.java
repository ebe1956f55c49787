package io.datamover.gateway.target;

import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.UndoFullPolicy;
import io.datamover.coordination.CoordinationSettings;
import io.datamover.disk.GroupCapacity;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Names;
import io.datamover.protocol.netty.ListenerLimits;
import io.datamover.protocol.tls.TransportSecurity;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Everything a {@link TargetGateway} needs, frozen and validated once by the canonical constructor (use
 * {@link #builder} for the defaults). Units are in the names.
 *
 * @param listenHost address the gateway accepts source gateways on
 * @param listenPort its TCP port (0: any free port, see {@link TargetGateway#address()})
 * @param dataDir the spools live under it: {@code <dataDir>/cg-<cgId>/spool/}
 * @param replicaDir the replica sets live under it: {@code <replicaDir>/cg-<cgId>/}
 * @param pairId when present, the only replication pair served; HELLOs of others get WRONG_PAIR
 * @param receiverId this gateway's identity in HELLO_ACK
 * @param provisioning how replicas store zero ranges
 * @param spoolMaxBytes bytes a consistency group's spool may hold (received, durable, not yet applied); reading
 *        from the source pauses above it until the applier frees space. May be exceeded by one batch.
 * @param spoolMaxBatches batches a spool may hold, the same way (bounds the spool's in-memory index)
 * @param receiveQueueMaxBytes bytes of verified-or-not batches held in memory for the spool writer; reading pauses
 *        above it
 * @param heartbeatIntervalMs a HEARTBEAT (with the applied seq) goes out after this long without sending
 * @param idleTimeoutMs a source silent this long (while we are reading) is taken for dead and disconnected
 * @param frameLimits bounds on frames and batch bodies from sources
 * @param undoMaxBytes bound of a group's undo log, which keeps the last consistent image while a resync makes the
 *        replicas INCONSISTENT; a batch that would pass it stops that group's applying (the batch waits in the
 *        spool). Empty: a tenth of the group's disks, at least 64 MiB
 * @param maxGroups consistency groups this gateway takes, at most; a source's HELLO for one more is refused with
 *        TOO_MANY_GROUPS
 * @param listenerLimits what the listener lets in before a source's HELLO is accepted
 * @param transport mutual TLS for source gateways, or (when the operator asked) plaintext; plaintext by default
 * @param replicaDevices block devices replicas are kept on instead of sparse files: by consistency group, then by
 *        disk name
 * @param undoFull what a group does when its resync would pass {@code undoMaxBytes}: stop applying (the default), or
 *        drop the undo log and go on without a consistent image
 * @param coordination the recovery site's gateway group ({@code --coordination}, docs/coordination.md): with one, this
 *        gateway applies a group only while it leads it, on a replica directory the site's target gateways share
 */
public record TargetGatewayConfig(String listenHost, int listenPort, Path dataDir, Path replicaDir,
        Optional<String> pairId, String receiverId, Provisioning provisioning, long spoolMaxBytes,
        int spoolMaxBatches, long receiveQueueMaxBytes, long heartbeatIntervalMs, long idleTimeoutMs,
        FrameLimits frameLimits, OptionalLong undoMaxBytes, int maxGroups,
        ListenerLimits listenerLimits, TransportSecurity transport, Map<Integer, Map<String, Path>> replicaDevices,
        UndoFullPolicy undoFull, CoordinationSettings coordination) {

    public TargetGatewayConfig {
        replicaDevices = replicaDevices.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> Map.copyOf(e.getValue())));
        Objects.requireNonNull(undoMaxBytes, "undoMaxBytes");
        Objects.requireNonNull(undoFull, "undoFull");
        Objects.requireNonNull(coordination, "coordination");
        check(!coordination.scaleOut(), "scale-out (--max-group-moves) is for source gateways; a target gateway"
                + " contends for every group on its replica directory");
        check(coordination.mode() == CoordinationSettings.Mode.NONE
                || !dataDir.toAbsolutePath().normalize().equals(replicaDir.toAbsolutePath().normalize()),
                "with --coordination the replica directory is shared by the site's target gateways and the data"
                        + " directory is each gateway's own: they must differ");
        undoMaxBytes.ifPresent(max -> check(max >= 1, "undoMaxBytes must be >= 1: " + max));
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(replicaDir, "replicaDir");
        Objects.requireNonNull(pairId, "pairId");
        Objects.requireNonNull(provisioning, "provisioning");
        Objects.requireNonNull(frameLimits, "frameLimits");
        Objects.requireNonNull(listenerLimits, "listenerLimits");
        Objects.requireNonNull(transport, "transport");
        pairId.ifPresent(id -> Names.requireId("pairId", id));
        Names.requireId("receiverId", receiverId);
        check(!listenHost.isBlank(), "listenHost must not be blank");
        check(listenPort >= 0 && listenPort <= 65535, "listenPort must be 0..65535: " + listenPort);
        check(spoolMaxBytes >= 1, "spoolMaxBytes must be >= 1: " + spoolMaxBytes);
        check(spoolMaxBatches >= 1, "spoolMaxBatches must be >= 1: " + spoolMaxBatches);
        check(receiveQueueMaxBytes >= 1, "receiveQueueMaxBytes must be >= 1: " + receiveQueueMaxBytes);
        check(heartbeatIntervalMs >= 1, "heartbeatIntervalMs must be >= 1: " + heartbeatIntervalMs);
        check(idleTimeoutMs > heartbeatIntervalMs, "idleTimeoutMs must exceed heartbeatIntervalMs: " + idleTimeoutMs);
        check(maxGroups >= 1, "maxGroups must be >= 1: " + maxGroups);
    }

    /** What the replica set of group {@code cgId} is opened for, given what its source declared. */
    public ReplicaSetConfig replicaSet(String pair, int cgId, List<DiskInfo> disks, Provisioning provisioning) {
        return new ReplicaSetConfig(pair, cgId, disks, provisioning, replicaDevices.getOrDefault(cgId, Map.of()));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder with defaults for everything but the directories. */
    public static Builder builder(Path dataDir, Path replicaDir) {
        return new Builder(dataDir, replicaDir);
    }

    /** Fluent construction with defaults; {@link #build} validates. */
    public static final class Builder {
        private final Path dataDir;
        private final Path replicaDir;
        private String listenHost = "127.0.0.1";
        private int listenPort = 10810;
        private Optional<String> pairId = Optional.empty();
        private String receiverId = "target-gateway";
        private CoordinationSettings coordination = CoordinationSettings.NONE;
        private Provisioning provisioning = Provisioning.THIN;
        private long spoolMaxBytes = 1024L * 1024 * 1024;
        private int spoolMaxBatches = 16_384;
        private long receiveQueueMaxBytes = 128L * 1024 * 1024;
        private long heartbeatIntervalMs = 5_000;
        private long idleTimeoutMs = 30_000;
        private FrameLimits frameLimits = FrameLimits.DEFAULT;
        private OptionalLong undoMaxBytes = OptionalLong.empty();
        private UndoFullPolicy undoFull = UndoFullPolicy.STOP;
        private int maxGroups = GroupCapacity.DEFAULT_MAX_GROUPS;
        private ListenerLimits listenerLimits = ListenerLimits.DEFAULT;
        private TransportSecurity transport = TransportSecurity.insecurePlaintext();
        private final Map<Integer, Map<String, Path>> replicaDevices = new HashMap<>();

        private Builder(Path dataDir, Path replicaDir) {
            this.dataDir = dataDir;
            this.replicaDir = replicaDir;
        }

        public Builder listen(String host, int port) {
            this.listenHost = host;
            this.listenPort = port;
            return this;
        }

        /** Serve only this pair (null: any pair, each consistency group still stamped with its own). */
        public Builder pairId(String pairId) {
            this.pairId = Optional.ofNullable(pairId);
            return this;
        }

        public Builder receiverId(String receiverId) {
            this.receiverId = receiverId;
            return this;
        }

        public Builder provisioning(Provisioning provisioning) {
            this.provisioning = provisioning;
            return this;
        }

        public Builder spoolMaxBytes(long spoolMaxBytes) {
            this.spoolMaxBytes = spoolMaxBytes;
            return this;
        }

        public Builder spoolMaxBatches(int spoolMaxBatches) {
            this.spoolMaxBatches = spoolMaxBatches;
            return this;
        }

        public Builder receiveQueueMaxBytes(long receiveQueueMaxBytes) {
            this.receiveQueueMaxBytes = receiveQueueMaxBytes;
            return this;
        }

        public Builder heartbeatIntervalMs(long heartbeatIntervalMs) {
            this.heartbeatIntervalMs = heartbeatIntervalMs;
            return this;
        }

        public Builder idleTimeoutMs(long idleTimeoutMs) {
            this.idleTimeoutMs = idleTimeoutMs;
            return this;
        }

        public Builder frameLimits(FrameLimits frameLimits) {
            this.frameLimits = frameLimits;
            return this;
        }

        public Builder undoMaxBytes(long undoMaxBytes) {
            this.undoMaxBytes = OptionalLong.of(undoMaxBytes);
            return this;
        }

        public Builder undoFull(UndoFullPolicy undoFull) {
            this.undoFull = undoFull;
            return this;
        }

        public Builder maxGroups(int maxGroups) {
            this.maxGroups = maxGroups;
            return this;
        }

        public Builder listenerLimits(ListenerLimits listenerLimits) {
            this.listenerLimits = listenerLimits;
            return this;
        }

        /** The recovery site's gateway group; none (this gateway applies every group alone) by default. */
        public Builder coordination(CoordinationSettings coordination) {
            this.coordination = coordination;
            return this;
        }

        /** TLS for source gateways; plaintext (nothing proved) by default. */
        public Builder transport(TransportSecurity transport) {
            this.transport = transport;
            return this;
        }

        /** Keeps the replica of disk {@code disk} of group {@code cgId} on the block device {@code device}. */
        public Builder replicaDevice(int cgId, String disk, Path device) {
            Names.requireId("disk name", disk);
            if (!device.isAbsolute()) {
                throw new IllegalArgumentException("replica device " + device + " must be an absolute path");
            }
            Path before = replicaDevices.computeIfAbsent(cgId, cg -> new HashMap<>()).put(disk, device);
            if (before != null && !before.equals(device)) {
                throw new IllegalArgumentException("disk " + disk + " of cg " + Integer.toUnsignedString(cgId)
                        + " is mapped twice: to " + before + " and to " + device);
            }
            return this;
        }

        public TargetGatewayConfig build() {
            return new TargetGatewayConfig(listenHost, listenPort, dataDir, replicaDir, pairId, receiverId,
                    provisioning, spoolMaxBytes, spoolMaxBatches, receiveQueueMaxBytes, heartbeatIntervalMs,
                    idleTimeoutMs, frameLimits, undoMaxBytes, maxGroups, listenerLimits, transport,
                    replicaDevices, undoFull, coordination);
        }
    }
}
