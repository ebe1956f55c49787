package io.datamover.it;

import io.datamover.bench.link.LinkProxy;
import io.datamover.bench.link.LinkSpec;
import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A whole replication pair as operators run it: target gateway, source gateway and tap as {@code bin/datamover}
 * processes, the gateways joined by an emulated link ({@link LinkProxy}), each daemon with an admin port. Any of
 * them can be killed with SIGKILL and started again on the same ports and directories.
 */
final class ReplicationSite implements AutoCloseable {
    static final String EXPORT = "vm";
    static final int CG = 1;
    /**
     * A source journal a guest of 2 MiB/s fills in some seconds of link stall. Not much smaller: a resync keeps up
     * to 8 MiB unacknowledged, so a journal under about that refuses every resync in turn.
     */
    static final List<String> SMALL_JOURNAL = List.of("--journal-max", "16M");
    private static final long JOURNAL_FULL_POLL_MS = 100;

    private final Path base;
    private final Path sourceDisk;
    /** A target gateway of the recovery site: its process, where it listens, its admin address and data directory. */
    private record TargetGatewayProcess(DaemonProcess daemon, int port, String admin, Path dataDir) {}

    private final int sourcePort = LoopbackPorts.next();
    private final int nbdPort = LoopbackPorts.next();
    private final String tapAdmin = admin();
    private final String sourceAdmin = admin();
    /** The target gateway (after {@link #swapTargets}, the one that leads now). */
    private TargetGatewayProcess target;
    private final DaemonProcess source;
    private final DaemonProcess tap;
    private final LinkProxy link;
    private final int standbyPort = LoopbackPorts.next();
    private final String standbyAdmin = admin();
    /** The site's second source gateway, when {@link #withStandbySource} made one; else null. */
    private DaemonProcess standby;
    private final int standbyTargetPort = LoopbackPorts.next();
    private final String standbyTargetAdmin = admin();
    /** The recovery site's second target gateway, when {@link #withStandbyTarget} made one; else null. */
    private TargetGatewayProcess standbyTarget;

    /**
     * Shorter than the daemons' 60 s default: a CORRUPT fault that damages a frame's length stalls that connection
     * until the sender's ack timeout, and runs must converge well within their deadline. Longer than any stall the
     * faults hold (the journal-full stall included), so a stall stays a stall.
     */
    static final String ACK_TIMEOUT_SECONDS = "15";

    ReplicationSite(Path base, long diskBytes, String tapWindow) throws IOException, InterruptedException {
        this(base, diskBytes, tapWindow, List.of());
    }

    /** @param sourceOptions more options of the source gateway, e.g. {@code --journal-max 16M} */
    ReplicationSite(Path base, long diskBytes, String tapWindow, List<String> sourceOptions)
            throws IOException, InterruptedException {
        this(base, diskBytes, tapWindow, sourceOptions, "skip");
    }

    /**
     * @param initialSync the tap's {@code --initial-sync}: {@code skip} (both disks blank, the default) or
     *        {@code auto} (the tap copies what the source disk holds)
     */
    ReplicationSite(Path base, long diskBytes, String tapWindow, List<String> sourceOptions, String initialSync)
            throws IOException, InterruptedException {
        this.base = base;
        this.target = targetGateway("target", LoopbackPorts.next(), admin(), base.resolve("target-data"));
        this.link = LinkProxy.start(new InetSocketAddress("127.0.0.1", target.port()), LinkSpec.unlimited());
        this.sourceDisk = Disks.sparse(base.resolve("vm.img"), diskBytes);
        AdminTokenFile.write(adminToken(), "operator-secret-" + Long.toHexString(System.nanoTime()));
        this.source = new DaemonProcess("source-gateway", base.resolve("source.log"),
                sourceGatewayArgs(sourcePort, sourceDataDir(), sourceAdmin, sourceOptions));
        this.tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export", EXPORT + "=" + sourceDisk,
                "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort, "--state-dir",
                base.resolve("tap-state").toString(), "--initial-sync", initialSync, "--window", tapWindow, "--admin",
                tapAdmin, "--ack-timeout", ACK_TIMEOUT_SECONDS, "--admin-token-file", adminToken().toString());
    }

    /** {@code target-gateway} listening on {@code port}, its replicas in {@link #replicaDir()}, log {@code NAME.log}. */
    private TargetGatewayProcess targetGateway(String name, int port, String admin, Path dataDir) {
        DaemonProcess daemon = new DaemonProcess(name + "-gateway", base.resolve(name + ".log"), "target-gateway",
                "--listen", "127.0.0.1:" + port, "--data-dir", dataDir.toString(), "--replica-dir",
                replicaDir().toString(), "--admin", admin, "--admin-token-file", adminToken().toString());
        return new TargetGatewayProcess(daemon, port, admin, dataDir);
    }

    /** {@code source-gateway} listening on {@code port}, shipping through the link, with {@code options} at the end. */
    private String[] sourceGatewayArgs(int port, Path dataDir, String admin, List<String> options) {
        List<String> args = new java.util.ArrayList<>(List.of("source-gateway", "--listen", "127.0.0.1:" + port,
                "--target", "127.0.0.1:" + link.address().getPort(), "--data-dir", dataDir.toString(), "--admin",
                admin, "--ack-timeout", ACK_TIMEOUT_SECONDS, "--admin-token-file", adminToken().toString()));
        args.addAll(options);
        return args.toArray(String[]::new);
    }

    /**
     * A second source gateway of the site ({@code options}: its coordination, as the first's), id
     * {@code source-gateway-b}, data in {@link #standbyDataDir()}, log {@code standby.log}; the tap is given its
     * address after the first gateway's. Call before {@link #start()}, which starts it after the first one.
     */
    ReplicationSite withStandbySource(List<String> options) {
        List<String> all = new java.util.ArrayList<>(options);
        all.addAll(List.of("--id", "source-gateway-b"));
        standby = new DaemonProcess("standby-source-gateway", base.resolve("standby.log"),
                sourceGatewayArgs(standbyPort, standbyDataDir(), standbyAdmin, all));
        tap.extraArgs("--gateway", "127.0.0.1:" + standbyPort);
        return this;
    }

    /**
     * A second target gateway of the recovery site on the same replica directory (shared storage), each target gateway
     * with {@code options} (their coordination) and an id of its own ({@code target-gateway-a}, {@code -b}), the second
     * with its own data directory and log {@code standby-target.log}; the source gateway is given its address after the
     * first's (which it reaches through the link). Call before {@link #start()}, which starts it after the first one.
     */
    ReplicationSite withStandbyTarget(List<String> options) {
        standbyTarget = targetGateway("standby-target", standbyTargetPort, standbyTargetAdmin,
                base.resolve("standby-target-data"));
        List<String> first = new java.util.ArrayList<>(options);
        first.addAll(List.of("--id", "target-gateway-a"));
        target.daemon().extraArgs(first.toArray(String[]::new));
        List<String> second = new java.util.ArrayList<>(options);
        second.addAll(List.of("--id", "target-gateway-b"));
        standbyTarget.daemon().extraArgs(second.toArray(String[]::new));
        source.extraArgs("--target", "127.0.0.1:" + standbyTarget.port());
        return this;
    }

    /**
     * The recovery site's other target gateway ({@link #withStandbyTarget}) leads now: from here on {@link #target()},
     * its port, admin port and data directory name it (status, the prefix check's pause and copy), and
     * {@link #standbyTarget()} names the first.
     */
    void swapTargets() {
        TargetGatewayProcess leading = standbyTarget;
        standbyTarget = target;
        target = leading;
    }

    /** The recovery site's other target gateway ({@link #withStandbyTarget}); null without one. */
    DaemonProcess standbyTarget() {
        return standbyTarget == null ? null : standbyTarget.daemon();
    }

    /**
     * Every daemon in plaintext ({@code --insecure-plaintext}) from the next start on, instead of mutual TLS with lab
     * certificates: for tests whose own peers speak raw frames, or whose point is the frames' own checks.
     */
    ReplicationSite insecurePlaintext() {
        List.of(target.daemon(), source, tap).forEach(DaemonProcess::insecurePlaintext);
        return this;
    }

    /** Runs every daemon under {@code mask} (e.g. {@code 022}) from the next start on. */
    ReplicationSite umask(String mask) {
        List.of(target.daemon(), source, tap).forEach(daemon -> daemon.umask(mask));
        return this;
    }

    ReplicationSite start() throws IOException, InterruptedException {
        target.daemon().start(target.port());
        if (standbyTarget != null) {
            standbyTarget.daemon().start(standbyTarget.port());
        }
        source.start(sourcePort);
        if (standby != null) {
            standby.start(standbyPort);
        }
        tap.start(nbdPort);
        return this;
    }

    int nbdPort() {
        return nbdPort;
    }

    /** Where taps connect to the source gateway. */
    int sourcePort() {
        return sourcePort;
    }

    /** Where the target gateway listens (the source reaches it through the link). */
    int targetPort() {
        return target.port();
    }

    Path sourceDisk() {
        return sourceDisk;
    }

    Path targetDataDir() {
        return target.dataDir();
    }

    Path sourceDataDir() {
        return base.resolve("source-data");
    }

    Path standbyDataDir() {
        return base.resolve("standby-data");
    }

    String standbyAdmin() {
        return standbyAdmin;
    }

    DaemonProcess standby() {
        return standby;
    }

    void startStandby() throws IOException, InterruptedException {
        standby.start(standbyPort);
    }

    Path tapStateDir() {
        return base.resolve("tap-state");
    }

    Path replicaDir() {
        return base.resolve("replicas");
    }

    Path replica() {
        return replicaDir().resolve("cg-" + CG).resolve(EXPORT + ".img");
    }

    void killTarget() throws InterruptedException {
        target.daemon().kill9();
    }

    void startTarget() throws IOException, InterruptedException {
        target.daemon().start(target.port());
    }

    void killSource() throws InterruptedException {
        source.kill9();
    }

    /** SIGTERM: the source gateway makes its journal durable and stops. */
    void stopSource() throws InterruptedException {
        source.close();
    }

    /** What a one-shot {@code bin/datamover} command printed, and its exit status. */
    record CommandRun(int exitCode, String output) {}

    /** The operator's admin token of both gateways and the tap (their {@code --admin-token-file}), 0600. */
    Path adminToken() {
        return base.resolve("admin-token");
    }

    /**
     * {@code bin/datamover resync --cg 1 --admin <the source gateway's admin port> --admin-token-file <its token>
     * args...}, e.g. {@code --discard replica}; waits up to a minute for it.
     */
    CommandRun resync(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("--cg", Integer.toString(CG)));
        command.addAll(List.of(args));
        return sourceAdminCommand("resync", command);
    }

    /**
     * {@code bin/datamover NAME --admin <the source gateway's admin port> --admin-token-file <its token> args...}
     * (the token only when {@code args} name none); waits up to a minute for it.
     */
    CommandRun sourceAdminCommand(String name, List<String> args) throws IOException, InterruptedException {
        return adminCommand(sourceAdmin, name, args);
    }

    /** As {@link #sourceAdminCommand}, to the tap's admin port: {@code pause}, {@code resume}. */
    CommandRun tapAdminCommand(String name, List<String> args) throws IOException, InterruptedException {
        return adminCommand(tapAdmin, name, args);
    }

    private CommandRun adminCommand(String admin, String name, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(name, "--admin", admin));
        if (!args.contains("--admin-token-file")) {
            command.addAll(List.of("--admin-token-file", adminToken().toString()));
        }
        command.addAll(args);
        Path output = base.resolve(name + "-" + System.nanoTime() + ".out");
        Process p = DaemonProcess.launcher(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("datamover " + command + " did not finish within a minute");
        }
        return new CommandRun(p.exitValue(), Files.readString(output));
    }

    void startSource() throws IOException, InterruptedException {
        source.start(sourcePort);
    }

    void killTap() throws InterruptedException {
        tap.kill9();
    }

    void startTap() throws IOException, InterruptedException {
        tap.start(nbdPort);
    }

    DaemonProcess target() {
        return target.daemon();
    }

    DaemonProcess source() {
        return source;
    }

    DaemonProcess tap() {
        return tap;
    }

    /** Takes the link between the gateways down from now on for {@code length}. */
    void linkOutage(Duration length, LinkSpec.Outage.Kind kind) {
        link.scheduleOutages(List.of(new LinkSpec.Outage(Duration.ZERO, length, kind)));
    }

    /**
     * Stalls the link between the gateways until the source journal refuses the tap (JOURNAL_FULL: the tap goes
     * to bitmap mode), then ends the stall; fails after {@code deadline}. Needs a small journal
     * ({@link #SMALL_JOURNAL}).
     */
    void stallLinkUntilJournalFull(Duration deadline) throws InterruptedException {
        double before = AdminMetrics.sum(sourceAdmin, "datamover_journal_full_refusals_total");
        link.scheduleOutages(List.of(new LinkSpec.Outage(Duration.ZERO, deadline, LinkSpec.Outage.Kind.STALL)));
        long end = System.nanoTime() + deadline.toNanos();
        try {
            while (AdminMetrics.sum(sourceAdmin, "datamover_journal_full_refusals_total") <= before) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("the source journal did not fill in " + deadline + " of link stall");
                }
                Thread.sleep(JOURNAL_FULL_POLL_MS); // polling a metric with a deadline
            }
        } finally {
            link.endOutage();
        }
    }

    /** Damages bytes between the gateways from now on, as {@code corruption} says. */
    void corruptLink(LinkSpec.Corruption corruption) {
        link.corrupt(corruption);
    }

    /** The link between the gateways (its counters). */
    LinkProxy link() {
        return link;
    }

    String targetAdmin() {
        return target.admin();
    }

    String sourceAdmin() {
        return sourceAdmin;
    }

    String tapAdmin() {
        return tapAdmin;
    }

    AdminStatus tapStatus() throws InterruptedException {
        return AdminStatus.fetch(tapAdmin);
    }

    /** The source gateway's view: STREAMING while a tap is attached, DISCONNECTED when none. */
    AdminStatus sourceStatus() throws InterruptedException {
        return AdminStatus.fetch(sourceAdmin);
    }

    AdminStatus targetStatus() throws InterruptedException {
        return AdminStatus.fetch(target.admin());
    }

    /** The last lines of each daemon's log, for a failure message. */
    String logTails() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("tap", "source", "standby", "target", "standby-target")) {
            Path log = base.resolve(name + ".log");
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            out.append("--- ").append(name).append(".log (last 15 lines)\n");
            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    static String admin() throws IOException {
        return "127.0.0.1:" + LoopbackPorts.next();
    }

    @Override
    public void close() throws InterruptedException {
        try (tap; source; DaemonProcess targetDaemon = target.daemon()) {
            link.close();
            if (standby != null) {
                standby.close();
            }
            if (standbyTarget != null) {
                standbyTarget.daemon().close();
            }
        }
    }
}
