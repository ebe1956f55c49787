package io.datamover.cli;

import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.SourceGatewayConfig;
import io.datamover.gateway.source.journal.JournalRollCycle;
import io.datamover.gateway.source.ship.LinkThrottle;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.LinkRates;
import io.datamover.cli.admin.RpoObjectiveMonitor;
import io.datamover.cli.admin.RpoObjectives;
import io.datamover.cli.admin.SourceGatewayActions;
import io.datamover.cli.admin.SourceGatewayStatus;
import io.datamover.cli.admin.TransportStatus;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TransportSecurity;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover source-gateway}: journals the taps' writes and ships them to the target gateway. */
@Command(name = "source-gateway", header = "Protected site: journal the taps' writes durably and ship them to the target gateway.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs at the protected site. Taps connect to it; their writes are appended to a durable journal"
                + " per consistency group (Chronicle Queue, one fdatasync per group commit) and acknowledged once"
                + " durable. Each journal is cut into batches, coalesced, LZ4-compressed and shipped to the target"
                + " gateway; journal space is released once the target holds a batch. When a journal is full its tap"
                + " is told to keep dirty bits instead. Stops cleanly on SIGTERM.")
public final class SourceGatewayCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SourceGatewayCommand.class);

    @Option(names = "--listen", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Where taps connect.")
    HostPort listen;

    @Option(names = "--target", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            split = ",", description = "The target gateway at the recovery site. With several target gateways in the"
                    + " recovery site's gateway group (their --coordination), give each (comma-separated or repeated):"
                    + " each group is shipped to the one that leads it, found by redirect.")
    List<HostPort> targets;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "Where the journals live, one directory per consistency group. Use a disk that can take"
                    + " the write rate of every tap together.")
    Path dataDir;

    @Option(names = "--pair", paramLabel = "ID",
            description = "Serve only this replication pair (default: under TLS the pair of this gateway's certificate;"
                    + " with --insecure-plaintext any, each group keeping the pair of its first tap).")
    String pair;

    @Option(names = "--id", defaultValue = "source-gateway", paramLabel = "ID",
            description = "This gateway's name in handshakes and logs (default: ${DEFAULT-VALUE}).")
    String gatewayId;

    /** Twice what a tap's resync keeps unacknowledged (TapConfig's 8 MiB): below it a resync never gets through. */
    static final long MIN_JOURNAL_BYTES = 16L << 20;

    @Option(names = "--journal-max", defaultValue = "1G", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Bound of each group's journal, at least 16M; when full, its tap falls back to dirty bits"
                    + " (default: ${DEFAULT-VALUE}).")
    long journalMaxBytes;

    @Option(names = "--journal-roll-cycle", defaultValue = "FIVE_MINUTELY", paramLabel = "CYCLE",
            description = "Time one journal file covers: ${COMPLETION-CANDIDATES} (SECONDLY is for tests); released"
                    + " space is freed a whole file at a time (default: ${DEFAULT-VALUE}).")
    JournalRollCycle journalRollCycle;

    @Option(names = "--batch-interval", defaultValue = "100", paramLabel = "MS",
            description = "A batch is cut this long after its first write at the latest (default: ${DEFAULT-VALUE}).")
    long batchIntervalMs;

    @Option(names = "--batch-size", defaultValue = "8M", converter = ByteSize.class, paramLabel = "SIZE",
            description = "A batch is cut before it grows past this many bytes (default: ${DEFAULT-VALUE}).")
    long batchMaxBytes;

    @Option(names = "--compression", defaultValue = "lz4", paramLabel = "lz4|none",
            description = "Compress batches with LZ4 when it pays (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--batches-in-flight", defaultValue = "8", paramLabel = "N",
            description = "Batches sent to the target and not yet acknowledged (default: ${DEFAULT-VALUE}).")
    int batchesInFlight;

    @Option(names = "--bytes-in-flight", defaultValue = "64M", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Wire bytes of those batches, at most (default: ${DEFAULT-VALUE}).")
    long bytesInFlight;

    @Option(names = "--max-rate", paramLabel = "RATE",
            description = "Rate limit of the link to the target gateway, wire bytes per second for all groups"
                    + " together, e.g. 50M (MiB/s); 0: unlimited (the default). Changeable at run time: datamover"
                    + " throttle.")
    String maxRate;

    @Option(names = "--max-rate-schedule", paramLabel = "RULES",
            description = "The rate limit by day and hour instead of --max-rate: rules separated by commas, the"
                    + " first matching wins, e.g. 'Mon-Fri 08:00-18:00=20M,*=0' (20 MiB/s on business hours,"
                    + " unlimited otherwise; a span never crosses midnight; none matching: unlimited).")
    String maxRateSchedule;

    @Option(names = "--max-rate-zone", paramLabel = "ZONE",
            description = "Time zone of --max-rate-schedule's days and hours, e.g. Europe/Paris (default: UTC).")
    String maxRateZone;

    @Option(names = "--rpo-driven-max-rate", paramLabel = "RATE",
            description = "RPO-driven mode: while a group's RPO is past half its objective, lift the rate limit to"
                    + " RATE (0: unlimited) until every RPO is under a quarter of its objective. Off by default.")
    String rpoDrivenMaxRate;

    @CommandLine.Mixin
    AckTimeoutOption ackTimeout;

    @CommandLine.Mixin
    MaxGroupsOption maxGroups;

    @CommandLine.Mixin
    ListenerLimitsOption listenerLimits;

    @CommandLine.Mixin
    TlsOption tls;

    @CommandLine.Mixin
    CoordinationOption coordination;

    @CommandLine.Mixin
    ConfigFile.Option configFile;

    @CommandLine.Mixin
    AdminOption admin;

    @Option(names = "--rpo-objective", defaultValue = "30", paramLabel = "SECONDS",
            description = "Target RPO of every consistency group: crossing it logs a warning, sets the metric"
                    + " datamover.source.rpo.objective.breached and shows BREACHED in status; 0: none"
                    + " (default: ${DEFAULT-VALUE}).")
    double rpoObjectiveSeconds;

    @Option(names = "--rpo-objective-cg", paramLabel = "CG=SECONDS",
            description = "Target RPO of one consistency group, over --rpo-objective; repeatable.")
    Map<Integer, Double> rpoObjectivePerGroup = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrometheusMeterRegistry registry = DaemonAdmin.newRegistry();
        TransportSecurity transport = tls.open(Role.SOURCE_GATEWAY, registry, spec.commandLine());
        pair = TlsOption.pair(pair, transport, spec.commandLine()).orElse(null);
        SourceGatewayConfig config;
        Optional<InetSocketAddress> adminAddress;
        RpoObjectives objectives;
        AdminAuthorization authorization;
        try {
            authorization = admin.authorization();
            LinkThrottle throttle = new LinkThrottle(LinkRates.schedule(maxRate, maxRateSchedule, maxRateZone),
                    rpoDrivenMaxRate == null ? -1 : LinkRates.rate(rpoDrivenMaxRate));
            adminAddress = admin.address(AdminOption.SOURCE_GATEWAY_PORT);
            objectives = new RpoObjectives(rpoObjectiveSeconds, rpoObjectivePerGroup);
            if (journalMaxBytes < MIN_JOURNAL_BYTES) {
                throw new IllegalArgumentException("--journal-max must be at least 16M, not " + journalMaxBytes
                        + " bytes: a tap's resync keeps up to 8 MiB unacknowledged, and a smaller journal fills"
                        + " before the resync can finish");
            }
            if (!compression.equals("lz4") && !compression.equals("none")) {
                throw new IllegalArgumentException("--compression must be lz4 or none, not " + compression);
            }
            ShipperConfig shipper = ShipperConfig.builder(targets.stream().map(HostPort::toPeer).toList())
                    .batch(batchIntervalMs, Math.toIntExact(batchMaxBytes))
                    .compressionEnabled(compression.equals("lz4"))
                    .inFlight(batchesInFlight, bytesInFlight)
                    .link(l -> l.withAckTimeoutMs(ackTimeout.millis()))
                    .throttle(throttle)
                    .build();
            config = SourceGatewayConfig.builder(listen.toAddress(), dataDir, shipper)
                    .gatewayId(gatewayId).pairId(pair).journalMaxBytes(journalMaxBytes)
                    .journalRollCycle(journalRollCycle).maxGroups(maxGroups.maxGroups)
                    .listenerLimits(listenerLimits.limits()).transport(transport)
                    .coordination(coordination.settings()).build();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "invalid source-gateway configuration: " + e.getMessage());
        }
        Daemons.runUntilSigterm("source-gateway", Daemons.withAdmin(
                () -> SourceGateway.start(config, registry, InstantSource.system()), adminAddress, registry,
                gateway -> new TransportStatus(new SourceGatewayStatus(gatewayId, gateway,
                        new RpoObjectiveMonitor(objectives, gateway::consistencyGroups, registry), registry,
                        InstantSource.system()), transport),
                gateway -> new SourceGatewayActions(gateway, registry, InstantSource.system()), authorization),
                running -> LOG.info("source gateway ready: taps connect to {}, shipping to {}", running.daemon().address(),
                        targets.stream().map(HostPort::toPeer).map(Object::toString)
                                .collect(java.util.stream.Collectors.joining(","))));
        return 0;
    }
}
