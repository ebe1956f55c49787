package io.datamover.bench.process;

import io.datamover.protocol.netty.PeerAddress;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sync.InitialSync;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Many real taps in one JVM, one consistency group each (a test of many groups would otherwise start a tap JVM per
 * group): {@link #main} starts a {@link ReplicatingTap} per group, its export {@code DIR/cg-N/vm.img} (a sparse file
 * made by the test), its NBD port given, all streaming to the same list of source gateways in plaintext; prints
 * {@code ready} once all serve NBD, and runs until killed. The tap module's own code, as {@code datamover tap} runs it.
 * The child JVM runs with this JVM's classpath (a test's, or bin/bench's).
 */
public final class TapsProcess implements AutoCloseable {
    public static final String EXPORT = "vm";
    private final Process process;

    private TapsProcess(Process process) {
        this.process = process;
    }

    /** Starts taps for groups {@code 1..nbdPorts.size()} under {@code dir}, streaming to {@code gateways}. */
    public static TapsProcess start(Path dir, List<PeerAddress> gateways, List<Integer> nbdPorts, Path log)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), TapsProcess.class.getName(), dir.toString(),
                PeerAddress.describe(gateways)));
        nbdPorts.forEach(port -> command.add(Integer.toString(port)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        TapsProcess taps = new TapsProcess(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(log).contains("ready")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                taps.close();
                throw new IOException("the taps did not start:\n" + Files.readString(log));
            }
            Thread.sleep(100); // polling the log of a child process, with a deadline
        }
        return taps;
    }

    /** The export of group {@code cg} under {@code dir}. */
    public static Path disk(Path dir, int cg) {
        return dir.resolve("cg-" + cg).resolve(EXPORT + ".img");
    }

    /** The child JVM's pid. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<PeerAddress> gateways = Arrays.stream(args[1].split(",")).map(PeerAddress::parse).toList();
        List<ReplicatingTap> taps = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            int cg = i - 1;
            TapConfig tap = TapConfig.builder().consistencyGroupId(cg).pairId("pair-scale").stateDir(
                    dir.resolve("cg-" + cg).resolve("state")).bindHost("127.0.0.1").port(Integer.parseInt(args[i]))
                    .initialSync(InitialSync.SKIP).eventLoopThreads(1).ioThreads(1)
                    .export(EXPORT, disk(dir, cg)).build();
            SenderConfig sender = SenderConfig.builder(gateways).identity("tap-" + cg, "pair-scale")
                    .consistencyGroup(cg, "vm-" + cg, ReplicatingTap.disksOf(tap)).windowBytes(1 << 20)
                    .link(l -> l.withReconnect(100, 1_000, 0.1)).build();
            taps.add(ReplicatingTap.start(tap, sender, Duration.ZERO, new SimpleMeterRegistry(),
                    InstantSource.system()));
        }
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}
