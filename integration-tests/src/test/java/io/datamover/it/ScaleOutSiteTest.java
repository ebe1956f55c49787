package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.bench.process.QemuIo;
import io.datamover.bench.process.TapsProcess;
import io.datamover.it.ensemble.ZooKeeperEnsemble;
import io.datamover.protocol.netty.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out of a site's groups over its source gateways (issue 19), real processes: a three-node ZooKeeper ensemble
 * ({@code QuorumPeerMain} JVMs), a target
 * gateway, source gateways with {@code --coordination zookeeper --max-group-moves 5}, and 50 real taps (one group
 * each, in one JVM: {@link TapsProcess}) given the first two gateways' addresses only. The 50 groups spread evenly
 * over two gateways; a third joins and takes its share (its taps reach it by redirect: no tap was given its address);
 * the first leaves and its groups move to the other two; writes through NBD (qemu-io) before and after each change,
 * and in the end every replica equals its source disk (sha256).
 */
class ScaleOutSiteTest {
    private static final int GROUPS = 50;
    private static final long DISK = 1L << 20;
    private static final String SITE = "protected";
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path base;

    @Test
    void fiftyGroupsSpreadOverTwoGatewaysThenThreeThenTwoAndEveryReplicaEqualsItsSource() throws Exception {
        Path taps = base.resolve("taps");
        List<Integer> nbdPorts = new ArrayList<>();
        for (int cg = 1; cg <= GROUPS; cg++) {
            Files.createDirectories(TapsProcess.disk(taps, cg).getParent());
            Disks.sparse(TapsProcess.disk(taps, cg), DISK);
            nbdPorts.add(LoopbackPorts.next());
        }
        int targetPort = LoopbackPorts.next();
        try (ZooKeeperEnsemble zookeeper = ZooKeeperEnsemble.start(base.resolve("ensemble"), 3);
                CuratorFramework observer = CuratorFrameworkFactory.newClient(zookeeper.connectString(),
                        new RetryOneTime(100));
                DaemonProcess target = new DaemonProcess("target-gateway", base.resolve("target.log"),
                        "target-gateway", "--listen", "127.0.0.1:" + targetPort, "--data-dir",
                        base.resolve("target-data").toString(), "--replica-dir", replicas().toString(),
                        "--admin", "off").insecurePlaintext();
                SiteGateway gw1 = new SiteGateway("gw-1", zookeeper, targetPort);
                SiteGateway gw2 = new SiteGateway("gw-2", zookeeper, targetPort);
                SiteGateway gw3 = new SiteGateway("gw-3", zookeeper, targetPort)) {
            observer.start();
            target.start(targetPort);
            gw1.start();
            gw2.start();
            try (TapsProcess tapsProcess = TapsProcess.start(taps, List.of(gw1.address(), gw2.address()), nbdPorts,
                    base.resolve("taps.log"))) {
                awaitLoads(observer, Map.of("gw-1", 25, "gw-2", 25), 0);
                writeEveryGroup(nbdPorts, 1);

                gw3.start();
                awaitLoads(observer, Map.of("gw-1", 17, "gw-2", 17, "gw-3", 16), 1);
                writeEveryGroup(nbdPorts, 2);

                gw1.daemon.close(); // SIGTERM: it leaves the site, giving up its locks at once
                awaitLoads(observer, Map.of("gw-2", 25, "gw-3", 25), 0);
                writeEveryGroup(nbdPorts, 3);

                FaultAwaits.until(DEADLINE, "every replica equals its source disk", () -> {
                    for (int cg = 1; cg <= GROUPS; cg++) {
                        Path replica = replicas().resolve("cg-" + cg).resolve(TapsProcess.EXPORT + ".img");
                        if (!Files.exists(replica)
                                || !Disks.sha256(replica).equals(Disks.sha256(TapsProcess.disk(taps, cg)))) {
                            return false;
                        }
                    }
                    return true;
                });
                assertThat(gw3.daemon.log()).as("taps reached the third gateway, whose address they were not given")
                        .contains("first contact from tap");
            }
        }
    }

    private Path replicas() {
        return base.resolve("replicas");
    }

    /**
     * Until the groups' leader nodes show the loads asked ({@code slack}: each load may be off by that much, the
     * total still every group), each group's leader being one of the gateways named.
     */
    private static void awaitLoads(CuratorFramework zookeeper, Map<String, Integer> loads, int slack)
            throws Exception {
        FaultAwaits.until(DEADLINE, "groups led " + loads, () -> {
            Map<String, Integer> seen = new TreeMap<>();
            for (int cg = 1; cg <= GROUPS; cg++) {
                String leader = leaderOf(zookeeper, cg);
                if (leader == null || !loads.containsKey(leader)) {
                    return false;
                }
                seen.merge(leader, 1, Integer::sum);
            }
            return loads.entrySet().stream().allMatch(e ->
                    Math.abs(seen.getOrDefault(e.getKey(), 0) - e.getValue()) <= slack);
        });
    }

    /** The gateway that group {@code cg}'s leader node names, or null. */
    private static String leaderOf(CuratorFramework zookeeper, int cg) throws Exception {
        try {
            byte[] node = zookeeper.getData().forPath("/datamover/sites/" + SITE + "/groups/" + cg + "/leader");
            return new String(node, StandardCharsets.UTF_8).split(" ")[0];
        } catch (KeeperException.NoNodeException none) {
            return null;
        }
    }

    /** A 64 KiB pattern, different per group and round, through each group's NBD export (qemu-io). */
    private static void writeEveryGroup(List<Integer> nbdPorts, int round) throws Exception {
        for (int cg = 1; cg <= GROUPS; cg++) {
            long offset = (long) ((cg * 7 + round * 3) % 16) << 16;
            QemuIo.writePattern(nbdPorts.get(cg - 1), TapsProcess.EXPORT, (cg * 5 + round) % 255 + 1, offset, 64 << 10);
        }
    }

    /** A source gateway of the site with scale-out, as a process. */
    private final class SiteGateway implements AutoCloseable {
        final int port;
        final DaemonProcess daemon;

        SiteGateway(String id, ZooKeeperEnsemble zookeeper, int targetPort) throws Exception {
            this.port = LoopbackPorts.next();
            this.daemon = new DaemonProcess(id, base.resolve(id + ".log"), "source-gateway", "--id", id, "--listen",
                    "127.0.0.1:" + port, "--target", "127.0.0.1:" + targetPort, "--data-dir",
                    base.resolve(id + "-data").toString(), "--admin", "off", "--coordination", "zookeeper",
                    "--zookeeper", zookeeper.connectString(), "--site", SITE, "--zookeeper-session-timeout", "4",
                    "--max-group-moves", "5").insecurePlaintext();
        }

        void start() throws Exception {
            daemon.start(port);
        }

        PeerAddress address() {
            return new PeerAddress("127.0.0.1", port);
        }

        @Override
        public void close() throws InterruptedException {
            daemon.close();
        }
    }
}
