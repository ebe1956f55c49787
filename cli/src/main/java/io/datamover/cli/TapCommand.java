package io.datamover.cli;

import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sync.InitialSync;
import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.TapActions;
import io.datamover.cli.admin.TapStatus;
import io.datamover.cli.admin.TransportStatus;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TransportSecurity;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover tap}: serves disks over NBD, intercepts every write and streams it to the source gateway. */
@Command(name = "tap", header = "Serve disks over NBD on the hypervisor host and stream every write to the source gateway.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serves the protected disks over NBD on the hypervisor host. Reads go straight to the disk; every write is ordered, written locally, marked in a persistent dirty bitmap and streamed to the source gateway. The guest is never stalled: a short gateway outage is ridden through in the window, and when the gateway is too slow or away too long only dirty bits are kept. Stops cleanly on SIGTERM (in-flight writes finish, bitmaps flushed).")
public final class TapCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TapCommand.class);
    /** The pair of a tap run with --insecure-plaintext and no --pair. */
    static final String DEFAULT_PAIR = "default";

    @Option(names = "--export", required = true, paramLabel = "NAME=PATH",
            description = "A disk to serve: its NBD export name and its image file. Repeat for each disk of the VM;"
                    + " all disks of one tap form one consistency group.")
    Map<String, Path> exports = new LinkedHashMap<>();

    @Option(names = "--nbd", converter = HostPort.Converter.class, defaultValue = "127.0.0.1:10809",
            paramLabel = "HOST:PORT", description = "Where NBD clients connect (default: ${DEFAULT-VALUE}).")
    HostPort nbd;

    @Option(names = "--gateway", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            split = ",", description = "The source gateway's address for taps. With several gateways in a site's"
                    + " gateway group (--coordination), give each (comma-separated or repeated): the tap streams to"
                    + " the one that leads its group and moves on to the next when its gateway is gone.")
    List<HostPort> gateways;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR",
            description = "Where the dirty bitmaps live (one file per disk). Keep it on the host, not on the disks."
                    + " One tap per directory; each bitmap records its disk and pair and is refused for another.")
    Path stateDir;

    @Option(names = "--pair", paramLabel = "ID",
            description = "The replication pair this tap belongs to (default: under TLS the pair of its certificate,"
                    + " which must be this one when given; with --insecure-plaintext 'default').")
    String pair;

    @Option(names = "--cg-id", defaultValue = "1", paramLabel = "N",
            description = "Consistency group id, unique within the pair (default: ${DEFAULT-VALUE}).")
    long cgId;

    @Option(names = "--cg-name", paramLabel = "NAME", description = "Consistency group name (default: the first export's name).")
    String cgName;

    @Option(names = "--region-size", defaultValue = "64K", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Bytes of disk per dirty-bitmap bit (default: ${DEFAULT-VALUE}).")
    long regionSize;

    @Option(names = "--window", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Unacknowledged bytes held for the gateway (and sent again after a reconnect) before the tap"
                    + " falls back to bitmap mode (default: a quarter of the JVM's direct memory, at most 1G).")
    Long windowOption;
    long windowBytes;

    @Option(names = "--dirty-retention", defaultValue = "10", paramLabel = "SECONDS",
            description = "How long a region stays dirty after its last write was acknowledged by the gateway, so hot"
                    + " regions do not pay a bitmap sync for every burst; a crash resyncs what was written in the last"
                    + " retention period (default: ${DEFAULT-VALUE}).")
    double dirtyRetentionSeconds;

    @Option(names = "--connect-wait", defaultValue = "5", paramLabel = "SECONDS",
            description = "How long to wait for the gateway at start before serving in bitmap mode (default: ${DEFAULT-VALUE}).")
    int connectWaitSeconds;

    @Option(names = "--initial-sync", defaultValue = "auto", converter = InitialSyncConverter.class,
            paramLabel = "auto|skip",
            description = "For a disk protected for the first time (no dirty bitmap in the state dir yet): auto copies"
                    + " its allocated, non-zero blocks to the replica while the guest runs; skip asserts that the"
                    + " replica already equals the source (e.g. both blank) and only marks it consistent"
                    + " (default: ${DEFAULT-VALUE}).")
    InitialSync initialSync;

    @CommandLine.Mixin
    AckTimeoutOption ackTimeout;

    @CommandLine.Mixin
    TlsOption tls;

    @CommandLine.Mixin
    ConfigFile.Option configFile;
    @CommandLine.Mixin
    AdminOption admin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrometheusMeterRegistry registry = DaemonAdmin.newRegistry();
        TransportSecurity transport = tls.open(Role.TAP, registry, spec.commandLine());
        pair = TlsOption.pair(pair, transport, spec.commandLine()).orElse(DEFAULT_PAIR);
        if (cgId >= 0 && cgId <= 0xFFFF_FFFFL) { // out of range: refused with the other settings below
            TlsOption.requireGroup((int) cgId, transport, spec.commandLine());
        }
        TapConfig tapConfig;
        SenderConfig senderConfig;
        Optional<InetSocketAddress> adminAddress;
        AdminAuthorization authorization;
        try {
            authorization = admin.authorization();
            windowBytes = windowOption != null ? windowOption
                    : SenderConfig.defaultWindowBytes(PlatformDependent.maxDirectMemory());
            adminAddress = admin.address(AdminOption.TAP_PORT);
            TapConfig.Builder builder = TapConfig.builder().consistencyGroupId(cgId).pairId(pair).stateDir(stateDir)
                    .bindHost(nbd.host()).port(nbd.port()).regionSizeBytes(Math.toIntExact(regionSize))
                    .initialSync(initialSync).dirtyRetentionMillis(Math.round(dirtyRetentionSeconds * 1000))
                    // The sync leaves the guests most of the window and stays under the socket's high water mark.
                    .initialSyncMaxUnacknowledgedBytes(Math.min(8L << 20, windowBytes / 8));
            exports.forEach(builder::export);
            tapConfig = builder.build();
            senderConfig = SenderConfig.builder(gateways.stream().map(HostPort::toPeer).toList())
                    .identity(Daemons.hostIdentity("tap"), pair)
                    .consistencyGroup((int) cgId, cgName != null ? cgName : exports.keySet().iterator().next(),
                            ReplicatingTap.disksOf(tapConfig))
                    .windowBytes(windowBytes)
                    .link(l -> l.withAckTimeoutMs(ackTimeout.millis()))
                    .transport(transport)
                    .thickReplica(ReplicatingTap.sourcesOnNfs(tapConfig))
                    .build();
        } catch (IllegalArgumentException | ArithmeticException | NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid tap configuration: " + e.getMessage());
        }
        TapConfig tap = tapConfig;
        SenderConfig sender = senderConfig;
        Daemons.runUntilSigterm("tap", Daemons.withAdmin(() -> ReplicatingTap.start(tap, sender,
                Duration.ofSeconds(connectWaitSeconds), registry, InstantSource.system()), adminAddress, registry,
                running -> new TransportStatus(new TapStatus(sender.senderId(), running, sender, registry), transport),
                running -> new TapActions(running), authorization),
                running -> LOG.info("tap serving {} on nbd://{}:{}/ (cg {}, pair {}), streaming to {} with a {} MiB window",
                        exports.keySet(), nbd.host(), running.daemon().tap().port(), cgId, pair, sender.gatewaysText(),
                        sender.windowBytes() >> 20));
        return 0;
    }

    /** {@code auto} or {@code skip}, in any case. */
    static final class InitialSyncConverter implements CommandLine.ITypeConverter<InitialSync> {
        @Override
        public InitialSync convert(String value) {
            try {
                return InitialSync.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not auto or skip");
            }
        }
    }

}
