package io.datamover.bench.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for the daemons' addresses (they take HOST:PORT, not port 0). A port is free when handed out, is
 * handed out once per JVM, and lies below the kernel's ephemeral range. Why: a port from bind(0) is released before
 * its daemon binds it; another daemon of the same run could be handed it too, or an outgoing connection could take it
 * as its local port before a killed daemon is started again. Then a daemon fails to bind, and a client that finds
 * the port open talks to the wrong server (an NBD guest to an admin port waits forever).
 */
public final class LoopbackPorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Below this, ports are often taken by services; the range picked from is [LOWEST, ephemeral start). */
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 1_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /** A loopback port nothing listens on now, never handed out before by this JVM. */
    public static int next() throws IOException {
        int below = ephemeralStart();
        if (below - LOWEST < 1_000) {
            return fromKernel(); // an unusual ephemeral range: fall back to the kernel's pick, still never twice
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IOException("no free loopback port in [" + LOWEST + ", " + below + ") after " + ATTEMPTS
                + " attempts");
    }

    /** Whether something accepts connections on loopback {@code port} now. */
    public static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int fromKernel() throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("the kernel kept handing out loopback ports already used");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (32768 on Linux by default). */
    private static int ephemeralStart() {
        try {
            return Integer.parseInt(Files.readString(EPHEMERAL_RANGE).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }
}
