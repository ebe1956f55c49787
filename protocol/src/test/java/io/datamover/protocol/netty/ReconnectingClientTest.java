package io.datamover.protocol.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A client given several addresses on loopback (the gateways of a site): a port nobody listens on and a peer that
 * closes every connection before it worked (as a standby refusing with NOT_LEADER) are passed over for the next
 * address; a connection that worked and then closed is tried again at the same address first.
 */
class ReconnectingClientTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Test
    void aDeadAddressAndARefusingPeerArePassedOverAndAWorkingPeerIsTriedAgainFirst() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket refusing = new ServerSocket(0, 50, loopback);
                ServerSocket working = new ServerSocket(0, 50, loopback)) {
            Thread.ofVirtual().start(() -> closeEveryConnection(refusing));
            BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> keepEveryConnection(working, accepted));
            PeerAddress dead = new PeerAddress(loopback.getHostAddress(), unusedPort(loopback));
            PeerAddress standby = new PeerAddress(loopback.getHostAddress(), refusing.getLocalPort());
            PeerAddress leader = new PeerAddress(loopback.getHostAddress(), working.getLocalPort());
            List<PeerAddress> tried = new CopyOnWriteArrayList<>();
            ReconnectingClient[] client = new ReconnectingClient[1];
            client[0] = new ReconnectingClient("test", "reconnecting-client-test", List.of(dead, standby, leader),
                    LinkSettings.DEFAULT.withReconnect(20, 200, 0),
                    (pipeline, address) -> tried.add(address), new ReconnectingClient.Listener() {
                        @Override
                        public void connected(Channel channel) {
                            // Only the leader's connections "work" (a handshake would be accepted there).
                            if (((InetSocketAddress) channel.remoteAddress()).getPort() == leader.port()) {
                                client[0].connectionWorked();
                            }
                        }

                        @Override
                        public void reconnectScheduled() {}
                    });
            client[0].start();
            try {
                Socket first = accepted.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(first).as("connected to the leader").isNotNull();
                assertThat(tried).startsWith(dead, standby, leader);
                assertThat(client[0].currentAddress()).isEqualTo(leader);

                int before = tried.size();
                first.close(); // the leader drops a connection that worked: the same address first
                Socket second = accepted.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(second).as("connected to the leader again").isNotNull();
                assertThat(tried.get(before)).isEqualTo(leader);
                second.close();
            } finally {
                client[0].close(false);
            }
        }
    }

    @Test
    void aRedirectIsFollowedEvenOutsideTheListInEveryRound() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket standby = new ServerSocket(0, 50, loopback);
                ServerSocket leader = new ServerSocket(0, 50, loopback)) {
            Thread.ofVirtual().start(() -> keepUntilClosed(standby));
            Thread.ofVirtual().start(() -> keepUntilClosed(leader));
            PeerAddress standbyAddress = new PeerAddress(loopback.getHostAddress(), standby.getLocalPort());
            PeerAddress leaderAddress = new PeerAddress(loopback.getHostAddress(), leader.getLocalPort());
            List<PeerAddress> tried = new CopyOnWriteArrayList<>();
            // Only the standby is listed; neither connection works: each is closed at once (as on a refusal), the
            // standby's naming the leader first (as its NOT_LEADER would)
            ReconnectingClient client = new ReconnectingClient("test", "reconnecting-client-test",
                    List.of(standbyAddress), LinkSettings.DEFAULT.withReconnect(20, 200, 0),
                    (pipeline, address) -> tried.add(address), refusing(tried, standbyAddress, leaderAddress));
            client.start();
            try {
                await().atMost(DEADLINE).until(() -> tried.size() >= 6);
                assertThat(tried).as("redirected to the leader, which is not in the list, in every round")
                        .startsWith(standbyAddress, leaderAddress, standbyAddress, leaderAddress, standbyAddress,
                                leaderAddress);
            } finally {
                client.close(false);
            }
        }
    }

    @Test
    void twoPeersNamingEachOtherAreFollowedAtMostTheBoundInARound() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket first = new ServerSocket(0, 50, loopback);
                ServerSocket second = new ServerSocket(0, 50, loopback)) {
            Thread.ofVirtual().start(() -> keepUntilClosed(first));
            Thread.ofVirtual().start(() -> keepUntilClosed(second));
            PeerAddress a = new PeerAddress(loopback.getHostAddress(), first.getLocalPort());
            PeerAddress b = new PeerAddress(loopback.getHostAddress(), second.getLocalPort());
            List<PeerAddress> tried = new CopyOnWriteArrayList<>();
            AtomicInteger reconnects = new AtomicInteger();
            ReconnectingClient.Listener namingEachOther = new ReconnectingClient.Listener() {
                @Override
                public void connected(Channel channel) {
                    ReconnectingClient.redirect(channel, tried.getLast().equals(a) ? b : a);
                    channel.close();
                }

                @Override
                public void reconnectScheduled() {
                    reconnects.incrementAndGet();
                }
            };
            // The next round waits a minute: the test sees the round end without waiting for it
            ReconnectingClient client = new ReconnectingClient("test", "reconnecting-client-test", List.of(a),
                    LinkSettings.DEFAULT.withReconnect(60_000, 60_000, 0), (pipeline, address) -> tried.add(address),
                    namingEachOther);
            client.start();
            try {
                int bound = ReconnectingClient.MAX_REDIRECTS;
                await().atMost(DEADLINE).until(() -> reconnects.get() >= bound + 1);
                assertThat(tried).as("the first connection, then the redirects of one round").containsExactly(a, b, a, b);
            } finally {
                client.close(false);
            }
        }
    }

    /** Closes every connection at once; the standby's names the leader first. */
    private static ReconnectingClient.Listener refusing(List<PeerAddress> tried, PeerAddress standby,
            PeerAddress leader) {
        return new ReconnectingClient.Listener() {
            @Override
            public void connected(Channel channel) {
                // connects are one at a time: the last address tried is this channel's
                if (tried.getLast().equals(standby)) {
                    ReconnectingClient.redirect(channel, leader);
                }
                channel.close();
            }

            @Override
            public void reconnectScheduled() {}
        };
    }

    @Test
    void oneAddressIsTriedAgainAndAgain() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        PeerAddress dead = new PeerAddress(loopback.getHostAddress(), unusedPort(loopback));
        List<PeerAddress> tried = new CopyOnWriteArrayList<>();
        ReconnectingClient client = new ReconnectingClient("test", "reconnecting-client-test", List.of(dead),
                LinkSettings.DEFAULT.withReconnect(10, 20, 0), (pipeline, address) -> tried.add(address), () -> { });
        client.start();
        try {
            await().atMost(DEADLINE).until(() -> tried.size() >= 3);
            assertThat(tried).containsOnly(dead);
        } finally {
            client.close(false);
        }
    }

    private static void closeEveryConnection(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                socket.setSoLinger(true, 0);
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Accepts connections one at a time, each until the client closes it. */
    private static void keepUntilClosed(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                socket.getInputStream().read();
            } catch (IOException closed) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void keepEveryConnection(ServerSocket server, BlockingQueue<Socket> accepted) {
        while (!server.isClosed()) {
            try {
                accepted.add(server.accept());
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** A loopback port no one listens on (taken and given back). */
    private static int unusedPort(InetAddress loopback) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback)) {
            return socket.getLocalPort();
        }
    }
}
