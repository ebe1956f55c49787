package io.datamover.cli;

import io.datamover.applier.Provisioning;
import io.datamover.applier.UndoFullPolicy;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.gateway.target.TargetGatewayConfig;
import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.TargetGatewayActions;
import io.datamover.cli.admin.TargetGatewayStatus;
import io.datamover.cli.admin.TransportStatus;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TransportSecurity;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover target-gateway}: receives batches from source gateways, spools them and applies them to replicas. */
@Command(name = "target-gateway", header = "Recovery site: receive batches, spool them and apply them in order to thin replicas.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs at the recovery site. Accepts source gateways, verifies every batch, spools it durably "
                + "(acknowledged DURABLE), applies it to the replica disks strictly in order (acknowledged APPLIED). "
                + "Replicas live in <replica-dir>/cg-<id>/<disk>.img, spools in <data-dir>/cg-<id>/spool/. "
                + "Stops cleanly on SIGTERM (the batch being applied finishes; spooled batches are applied at the "
                + "next start).")
public final class TargetGatewayCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TargetGatewayCommand.class);

    @Option(names = "--listen", converter = HostPort.Converter.class, defaultValue = "127.0.0.1:10810",
            paramLabel = "HOST:PORT", description = "Where source gateways connect (default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "Where received batches are spooled until applied (one directory per consistency group).")
    Path dataDir;

    @Option(names = "--replica-dir", required = true, paramLabel = "DIR",
            description = "Where the replica disks live (one directory per consistency group, stamped with its pair).")
    Path replicaDir;

    @Option(names = "--id", paramLabel = "ID",
            description = "This gateway's name in handshakes, logs and its site's gateway group; each target gateway"
                    + " of a site needs its own (default: target-gw-HOSTNAME).")
    String gatewayId;

    @Option(names = "--pair", paramLabel = "ID",
            description = "Serve only this replication pair; sources of other pairs are refused (default: under TLS the"
                    + " pair of this gateway's certificate; any pair with --insecure-plaintext).")
    String pair;

    @Option(names = "--spool-max", defaultValue = "1G", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Bytes a consistency group's spool may hold before reading from its source pauses"
                    + " (default: ${DEFAULT-VALUE}).")
    long spoolMaxBytes;

    @Option(names = "--undo-max", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Bound of a group's undo log, which keeps the last consistent image while a resync makes"
                    + " the replicas INCONSISTENT; past it applying stops until raised (default: room for a"
                    + " before-image of every region, at most 256M, or a tenth of the group's disks when more).")
    Long undoMaxBytes;

    @Option(names = "--undo-full", defaultValue = "stop", paramLabel = "stop|continue",
            description = "When a resync would pass --undo-max: stop applying the group, keeping the consistent image"
                    + " (raise --undo-max and restart, or roll back); or continue: drop the undo log (a loud WARN,"
                    + " datamover_applier_undo_abandoned_total) and finish the resync with no consistent image until"
                    + " it ends (default: ${DEFAULT-VALUE}).")
    String undoFull;

    @Option(names = "--provisioning", defaultValue = "thin", paramLabel = "thin|thick",
            description = "thin: zero ranges become holes; thick: replica files are allocated whole and zeros keep"
                    + " their blocks (default: ${DEFAULT-VALUE}; a source on NFS asks for thick itself).")
    String provisioning;

    @Option(names = "--replica-map", paramLabel = "CG/DISK=DEVICE",
            description = "Keep the replica of disk DISK of consistency group CG on the block device DEVICE (an LVM"
                    + " logical volume, a loop device; at least the disk's size) instead of a sparse file."
                    + " Repeatable.")
    List<String> replicaMap = List.of();

    @Option(names = "--recovery-tap-state", paramLabel = "CG=DIR",
            description = "The --state-dir of the tap serving the promoted disks of consistency group CG after a"
                    + " failover: in a split brain the refusal and status count the regions its bitmaps hold"
                    + " dirty (this site's writes since the promote, an upper bound). Repeatable.")
    Map<Integer, Path> recoveryTapStates = new HashMap<>();

    @CommandLine.Mixin
    MaxGroupsOption maxGroups;
    @CommandLine.Mixin
    ListenerLimitsOption listenerLimits;
    @CommandLine.Mixin
    TlsOption tls;
    @CommandLine.Mixin
    ConfigFile.Option configFile;
    @CommandLine.Mixin
    AdminOption admin;
    /**
     * The recovery site's gateway group: its target gateways share --replica-dir (each with its own --data-dir) and
     * apply each group at the one that leads it (docs/coordination.md).
     */
    @CommandLine.Mixin
    CoordinationOption coordination;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrometheusMeterRegistry registry = DaemonAdmin.newRegistry();
        TransportSecurity transport = tls.open(Role.TARGET_GATEWAY, registry, spec.commandLine());
        pair = TlsOption.pair(pair, transport, spec.commandLine()).orElse(null);
        TargetGatewayConfig config;
        Optional<InetSocketAddress> adminAddress;
        AdminAuthorization authorization;
        try {
            adminAddress = admin.address(AdminOption.TARGET_GATEWAY_PORT);
            authorization = admin.authorization();
            TargetGatewayConfig.Builder builder = TargetGatewayConfig.builder(dataDir, replicaDir);
            if (undoMaxBytes != null) {
                builder.undoMaxBytes(undoMaxBytes);
            }
            builder.undoFull(UndoFullPolicy.parse(undoFull));
            for (String mapping : replicaMap) {
                mapReplica(builder, mapping);
            }
            config = builder
                    .listen(listen.host(), listen.port())
                    .pairId(pair)
                    .receiverId(gatewayId != null ? gatewayId : Daemons.hostIdentity("target-gw"))
                    .coordination(coordination.settings())
                    .provisioning(provisioning())
                    .spoolMaxBytes(spoolMaxBytes)
                    .maxGroups(maxGroups.maxGroups)
                    .listenerLimits(listenerLimits.limits())
                    .transport(transport)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "invalid target gateway configuration: " + e.getMessage());
        }
        Daemons.runUntilSigterm("target-gateway", Daemons.withAdmin(() -> started(config, registry),
                adminAddress, registry,
                gateway -> new TransportStatus(new TargetGatewayStatus(config.receiverId(), gateway, spoolMaxBytes,
                        registry), transport), gateway -> new TargetGatewayActions(gateway, transport, registry),
                authorization),
                running -> LOG.info("target gateway ready on {} (replicas in {}, spool in {}, {} provisioning)",
                        running.daemon().address(), replicaDir, dataDir, config.provisioning()));
        return 0;
    }

    /** A gateway that counts a promoted group's writes since the promote in its recovery tap's bitmaps. */
    private TargetGateway started(TargetGatewayConfig config, PrometheusMeterRegistry registry) throws Exception {
        TargetGateway gateway = TargetGateway.start(config, registry);
        Map<Integer, Path> tapStates = Map.copyOf(recoveryTapStates);
        gateway.countPromotedWritesWith((cg, disks) -> tapStates.containsKey(cg)
                ? TapDirtyRegions.count(tapStates.get(cg), disks) : Optional.empty());
        return gateway;
    }

    /** {@code CG/DISK=DEVICE}, e.g. {@code 1/root=/dev/vg0/root-replica}. */
    private static void mapReplica(TargetGatewayConfig.Builder builder, String mapping) {
        int slash = mapping.indexOf('/');
        int equals = mapping.indexOf('=');
        if (slash < 1 || equals < slash + 2 || equals == mapping.length() - 1) {
            throw new IllegalArgumentException("--replica-map must be CG/DISK=DEVICE, not '" + mapping + "'");
        }
        int cg;
        try {
            cg = Integer.parseUnsignedInt(mapping.substring(0, slash));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--replica-map '" + mapping + "': " + mapping.substring(0, slash)
                    + " is not a consistency group id");
        }
        builder.replicaDevice(cg, mapping.substring(slash + 1, equals), Path.of(mapping.substring(equals + 1)));
    }

    private Provisioning provisioning() {
        try {
            return Provisioning.valueOf(provisioning.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--provisioning must be thin or thick, not '" + provisioning + "'");
        }
    }
}
