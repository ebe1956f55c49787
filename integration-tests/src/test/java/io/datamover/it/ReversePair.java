package io.datamover.it;

import static io.datamover.it.FailoverTest.dirtyRegions;
import static io.datamover.it.FailoverTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A consistency group through failover and reverse replication, the daemons as processes (docs/operations.md): the
 * original site (tap, source gateway, target gateway at the recovery site) protects sparse disks; after
 * {@code datamover failover} on the stopped target's directories a tap serves the promoted replicas at the recovery
 * site; {@code datamover reverse} at each site turns the pair round, and the recovery site's source gateway ships to
 * a target gateway at the original site whose replicas are the original disks.
 */
final class ReversePair implements AutoCloseable {
    static final Duration COMMAND_DEADLINE = Duration.ofMinutes(2);
    private static final Pattern PROMOTED_SEQ = Pattern.compile("PROMOTED at seq (\\d+)");

    private final Path base;
    private final Map<String, Path> disks = new LinkedHashMap<>();
    private final int targetPort = LoopbackPorts.next();
    private final int sourcePort = LoopbackPorts.next();
    private final int nbdPort = LoopbackPorts.next();
    private final int reversePort = LoopbackPorts.next();
    private final int recoveryNbd = LoopbackPorts.next();
    private final int originalTargetPort = LoopbackPorts.next();
    private final String targetAdmin = ReplicationSite.admin();
    private final String tapAdmin = ReplicationSite.admin();
    private final String recoveryTapAdmin = ReplicationSite.admin();
    private final String reverseSourceAdmin = ReplicationSite.admin();
    private final String originalTargetAdmin = ReplicationSite.admin();
    private final DaemonProcess target;
    private final DaemonProcess source;
    private final DaemonProcess tap;
    private final DaemonProcess recoveryTap;
    private final DaemonProcess reverseSource;
    private final DaemonProcess originalTarget;

    /** @param diskSizes each disk's name and size in bytes, in the order the taps export them */
    ReversePair(Path base, Map<String, Long> diskSizes) throws IOException {
        this.base = base;
        Path original = Files.createDirectories(original());
        AdminTokenFile.write(adminToken(), "operator-secret-" + Long.toHexString(System.nanoTime()));
        List<String> exports = new ArrayList<>();
        List<String> promotedExports = new ArrayList<>();
        for (Map.Entry<String, Long> disk : diskSizes.entrySet()) {
            disks.put(disk.getKey(), Disks.sparse(original.resolve(disk.getKey() + ".img"), disk.getValue()));
            exports.addAll(List.of("--export", disk.getKey() + "=" + disks.get(disk.getKey())));
            promotedExports.addAll(List.of("--export", disk.getKey() + "=" + promoted(disk.getKey())));
        }
        this.target = new DaemonProcess("target-gateway", base.resolve("target.log"), "target-gateway",
                "--listen", "127.0.0.1:" + targetPort, "--data-dir", targetData().toString(), "--replica-dir",
                replicas().toString(), "--admin", targetAdmin, "--admin-token-file", adminToken().toString());
        this.source = new DaemonProcess("source-gateway", base.resolve("source.log"), "source-gateway",
                "--listen", "127.0.0.1:" + sourcePort, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                sourceData().toString(), "--admin", ReplicationSite.admin());
        this.tap = new DaemonProcess("tap", base.resolve("tap.log"), concat(List.of("tap"), exports, List.of("--nbd",
                "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort, "--state-dir", tapState().toString(),
                "--initial-sync", "skip", "--dirty-retention", "1", "--admin", tapAdmin)));
        this.recoveryTap = new DaemonProcess("recovery-tap", base.resolve("recovery-tap.log"), concat(List.of("tap"),
                promotedExports, List.of("--cg-id", "1", "--initial-sync", "skip", "--state-dir",
                        recoveryTapState().toString(), "--gateway", "127.0.0.1:" + reversePort, "--connect-wait", "1",
                        "--dirty-retention", "1", "--nbd", "127.0.0.1:" + recoveryNbd, "--admin", recoveryTapAdmin,
                        "--admin-token-file", adminToken().toString())));
        this.reverseSource = new DaemonProcess("reverse-source", base.resolve("reverse-source.log"),
                "source-gateway", "--listen", "127.0.0.1:" + reversePort, "--target", "127.0.0.1:"
                        + originalTargetPort, "--data-dir", reverseSourceData().toString(), "--admin",
                reverseSourceAdmin, "--admin-token-file", adminToken().toString());
        this.originalTarget = new DaemonProcess("original-target", base.resolve("original-target.log"),
                "target-gateway", "--listen", "127.0.0.1:" + originalTargetPort, "--data-dir",
                original.resolve("target-data").toString(), "--replica-dir", originalReplicas().toString(), "--admin",
                originalTargetAdmin, "--admin-token-file", adminToken().toString());
    }

    /** Starts the original site's daemons and the recovery site's target gateway: forward replication. */
    void protect() throws IOException, InterruptedException {
        target.start(targetPort);
        source.start(sourcePort);
        tap.start(nbdPort);
    }

    void awaitForwardUpToDate(Duration deadline) throws Exception {
        awaitUpToDate(deadline, "the replicas up to date with the tap", targetAdmin, tapAdmin);
    }

    /** The link goes down: the recovery site's target gateway dies; the original site journals on. */
    void linkDown() throws InterruptedException {
        target.kill9();
    }

    /** kill -9 of every daemon of the original site. */
    void loseOriginalSite() throws InterruptedException {
        tap.kill9();
        source.kill9();
    }

    /** {@code datamover failover --cg 1 --force} on the stopped target's directories; its promoted seq. */
    String failover() throws Exception {
        ReplicationSite.CommandRun failedOver = datamover(List.of("failover", "--cg", "1", "--force",
                "--replica-dir", replicas().toString(), "--data-dir", targetData().toString()));
        assertThat(failedOver.exitCode()).as(failedOver.output()).isZero();
        Matcher seq = PROMOTED_SEQ.matcher(failedOver.output());
        assertThat(seq.find()).as(failedOver.output()).isTrue();
        return seq.group(1);
    }

    /** Starts the recovery site's tap on the promoted replicas; it reaches no gateway until reverse replication. */
    void startRecoveryTap() throws IOException, InterruptedException {
        recoveryTap.start(recoveryNbd);
    }

    /** {@code datamover reverse} at the original site: its disks become the replica set of the reversed pair. */
    List<String> reverseAtOriginal(String promotedSeq) {
        List<String> args = new ArrayList<>(List.of("reverse", "--cg", "1", "--original-source-data",
                sourceData().toString(), "--tap-state", tapState().toString()));
        disks.forEach((name, path) -> args.addAll(List.of("--export", name + "=" + path)));
        args.addAll(List.of("--promoted-seq", promotedSeq, "--replica-dir", originalReplicas().toString()));
        return args;
    }

    /**
     * {@code datamover reverse} at the recovery site through its running target gateway (the promoted group) and
     * source gateway, which seeds the group and opens it.
     */
    ReplicationSite.CommandRun seedThroughRunningDaemons() throws Exception {
        return datamover(List.of("reverse", "--cg", "1", "--target-admin", targetAdmin, "--reverse-source-admin",
                reverseSourceAdmin, "--admin-token-file", adminToken().toString()));
    }

    /**
     * {@code datamover failback} through the running daemons: the recovery tap's writes held, drained to the original
     * site's target gateway, then refused.
     */
    ReplicationSite.CommandRun quiesceForFailback() throws Exception {
        return datamover(List.of("failback", "--cg", "1", "--tap-admin", recoveryTapAdmin, "--source-admin",
                reverseSourceAdmin, "--target-admin", originalTargetAdmin, "--admin-token-file",
                adminToken().toString(), "--max-pause", "30"));
    }

    /** {@code datamover failback} at the recovery site on its stopped daemons' directories. */
    ReplicationSite.CommandRun failbackAtRecovery() throws Exception {
        return datamover(List.of("failback", "--cg", "1", "--promoted-replicas", replicas().toString(),
                "--reverse-source-data", reverseSourceData().toString(), "--recovery-tap-state",
                recoveryTapState().toString()));
    }

    /** {@code datamover reverse} at the recovery site: its new source gateway continues the promoted history. */
    List<String> reverseAtRecovery() {
        return List.of("reverse", "--cg", "1", "--promoted-replicas", replicas().toString(), "--source-data",
                reverseSourceData().toString());
    }

    /**
     * Starts reverse replication once both sites ran {@code reverse}: the recovery tap is pointed at the new source
     * gateway by a restart (a clean close keeps the bits of the writes no gateway acknowledged), once that gateway
     * holds the original site's report of what to resync: it then resyncs both sides' regions in one pass.
     */
    void startReverseReplication() throws Exception {
        startReverseReplication(() -> { });
    }

    /** A step at the recovery site once its source gateway runs (or nothing). */
    @FunctionalInterface
    interface RecoveryStep {
        void run() throws Exception;
    }

    /**
     * The same, {@code seed} run once the recovery site's source gateway runs: {@link #seedThroughRunningDaemons} when
     * its data directory was not seeded on the stopped gateway.
     */
    void startReverseReplication(RecoveryStep seed) throws Exception {
        recoveryTap.close();
        originalTarget.start(originalTargetPort);
        reverseSource.start(reversePort);
        seed.run();
        FaultAwaits.until(FaultAwaits.DEADLINE, "the original site's report of what to resync", () -> reverseSource
                .log().contains("the target reports what the replica was written in after the discarded point"));
        recoveryTap.start(recoveryNbd);
    }

    void awaitReverseUpToDate(Duration deadline) throws Exception {
        awaitUpToDate(deadline, "the original disks up to date with the recovery tap", originalTargetAdmin,
                recoveryTapAdmin);
    }

    /** Waits until the tap's bitmap of {@code disk} in {@code state} holds at most {@code regions} dirty regions. */
    static void awaitClean(Path state, String disk, int regions) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the bitmap of " + disk + " in " + state + " down to " + regions
                + " dirty regions", () -> dirtyRegions(state.resolve(disk + ".dirty")).size() <= regions);
    }

    ReplicationSite.CommandRun datamover(List<String> args) throws Exception {
        return DaemonProcess.command(base, COMMAND_DEADLINE, new ArrayList<>(args));
    }

    /** Bytes the original site's applier wrote and punched: what reverse replication changed there. */
    double appliedAtOriginal() throws InterruptedException {
        return AdminMetrics.sum(originalTargetAdmin, "datamover_applier_bytes_written_bytes_total")
                + AdminMetrics.sum(originalTargetAdmin, "datamover_applier_bytes_punched_bytes_total");
    }

    /** Bytes the original site's target gateway received on the wire. */
    double receivedAtOriginal() throws InterruptedException {
        return AdminMetrics.sum(originalTargetAdmin, "datamover_target_bytes_received_bytes_total");
    }

    /** Bytes the recovery tap's resync read from the promoted disks. */
    double resyncReadAtRecovery() throws InterruptedException {
        return AdminMetrics.sum(recoveryTapAdmin, "datamover_tap_resync_bytes_read_total");
    }

    Map<String, Path> disks() {
        return disks;
    }

    /** The promoted replica of {@code disk} at the recovery site. */
    Path promoted(String disk) {
        return replica(replicas(), disk);
    }

    /** The original disk as the reversed pair's replica (the same file, through the original site's replica set). */
    Path originalReplica(String disk) {
        return replica(originalReplicas(), disk);
    }

    int nbdPort() {
        return nbdPort;
    }

    int recoveryNbd() {
        return recoveryNbd;
    }

    Path tapState() {
        return original().resolve("tap-state");
    }

    Path recoveryTapState() {
        return base.resolve("recovery/tap-state");
    }

    DaemonProcess source() {
        return source;
    }

    void startSource() throws IOException, InterruptedException {
        source.start(sourcePort);
    }

    DaemonProcess recoveryTap() {
        return recoveryTap;
    }

    DaemonProcess originalTarget() {
        return originalTarget;
    }

    /** The recovery site's target gateway (forward replication's, and again after a failback). */
    DaemonProcess target() {
        return target;
    }

    int targetPort() {
        return targetPort;
    }

    String targetAdmin() {
        return targetAdmin;
    }

    /** The original tap's admin address (a tap started there again after a failback takes it too). */
    String tapAdmin() {
        return tapAdmin;
    }

    DaemonProcess reverseSource() {
        return reverseSource;
    }

    /** Waits until the recovery site's source gateway answers on its admin port (it opens after the data port). */
    void awaitReverseSourceAdmin() throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the recovery site's source gateway's admin port",
                () -> !AdminStatus.json(reverseSourceAdmin).isEmpty());
    }

    int reversePort() {
        return reversePort;
    }

    String reverseSourceAdmin() {
        return reverseSourceAdmin;
    }

    @Override
    public void close() throws InterruptedException {
        try (target; source; tap; recoveryTap; reverseSource; originalTarget) {
            // each daemon stops (SIGTERM, then SIGKILL)
        }
    }

    private void awaitUpToDate(Duration deadline, String what, String targetAdmin, String tapAdmin)
            throws Exception {
        FaultAwaits.caughtUp(deadline, what, targetAdmin, tapAdmin);
    }

    Path original() {
        return base.resolve("original");
    }

    /** The operator's admin token of the recovery site's target and source gateways. */
    private Path adminToken() {
        return base.resolve("admin-token");
    }

    Path replicas() {
        return base.resolve("recovery/replicas");
    }

    private Path targetData() {
        return base.resolve("recovery/target-data");
    }

    Path reverseSourceData() {
        return base.resolve("recovery/source-data");
    }

    private Path sourceData() {
        return original().resolve("source-data");
    }

    Path originalReplicas() {
        return original().resolve("replicas");
    }

    private static String[] concat(List<String> a, List<String> b, List<String> c) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        return all.toArray(String[]::new);
    }
}
