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
    private final int targetPort = LoopbackPorts.next();
    private final int sourcePort = LoopbackPorts.next();
    private final int nbdPort = LoopbackPorts.next();
    private final String targetAdmin = admin();
    private final String tapAdmin = admin();
    private final String sourceAdmin = admin();
    private final DaemonProcess target;
    private final DaemonProcess source;
    private final DaemonProcess tap;
    private final LinkProxy link;
    private final int standbyPort = LoopbackPorts.next();
    private final String standbyAdmin = admin();
    /** The site's second source gateway, when {@link #withStandbySource} made one; else null. */
    private DaemonProcess standby;

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
        this.link = LinkProxy.start(new InetSocketAddress("127.0.0.1", targetPort), LinkSpec.unlimited());
        this.sourceDisk = Disks.sparse(base.resolve("vm.img"), diskBytes);
        AdminTokenFile.write(adminToken(), "operator-secret-" + Long.toHexString(System.nanoTime()));
        this.target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway", "--listen",
                "127.0.0.1:" + targetPort, "--data-dir", targetDataDir().toString(), "--replica-dir",
                replicaDir().toString(), "--admin", targetAdmin, "--admin-token-file", adminToken().toString());
        this.source = new DaemonProcess("source-gateway", base.resolve("source.log"),
                sourceGatewayArgs(sourcePort, sourceDataDir(), sourceAdmin, sourceOptions));
        this.tap = new DaemonProcess("tap", base.resolve("tap.log"), "tap", "--export", EXPORT + "=" + sourceDisk,
                "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort, "--state-dir",
                base.resolve("tap-state").toString(), "--initial-sync", initialSync, "--window", tapWindow, "--admin",
                tapAdmin, "--ack-timeout", ACK_TIMEOUT_SECONDS, "--admin-token-file", adminToken().toString());
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
     * Every daemon in plaintext ({@code --insecure-plaintext}) from the next start on, instead of mutual TLS with lab
     * certificates: for tests whose own peers speak raw frames, or whose point is the frames' own checks.
     */
    ReplicationSite insecurePlaintext() {
        List.of(target, source, tap).forEach(DaemonProcess::insecurePlaintext);
        return this;
    }

    /** Runs every daemon under {@code mask} (e.g. {@code 022}) from the next start on. */
    ReplicationSite umask(String mask) {
        List.of(target, source, tap).forEach(daemon -> daemon.umask(mask));
        return this;
    }

    ReplicationSite start() throws IOException, InterruptedException {
        target.start(targetPort);
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
        return targetPort;
    }

    Path sourceDisk() {
        return sourceDisk;
    }

    Path targetDataDir() {
        return base.resolve("target-data");
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
        target.kill9();
    }

    void startTarget() throws IOException, InterruptedException {
        target.start(targetPort);
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
        return target;
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
        return targetAdmin;
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
        return AdminStatus.fetch(targetAdmin);
    }

    /** The last lines of each daemon's log, for a failure message. */
    String logTails() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("tap", "source", "standby", "target")) {
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
        try (tap; source; target) {
            link.close();
            if (standby != null) {
                standby.close();
            }
        }
    }
}
