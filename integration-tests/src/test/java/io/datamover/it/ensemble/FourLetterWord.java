package io.datamover.it.ensemble;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** ZooKeeper's four-letter-word admin commands (srvr, cons, ...) over the client port; whitelisted in zoo.cfg. */
final class FourLetterWord {
    private static final int TIMEOUT_MS = 2_000;

    private FourLetterWord() {}

    /** The server's answer to {@code word}, or empty if it does not answer (down, stopped, still starting). */
    static String ask(int clientPort, String word) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException noAnswer) {
            return "";
        }
    }
}
