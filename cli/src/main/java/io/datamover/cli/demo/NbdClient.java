package io.datamover.cli.demo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A small synchronous NBD client (fixed newstyle, NBD_OPT_GO, simple replies): one request at a time, each call
 * returns once the server has acknowledged it. The order of the calls is therefore the order in which the server
 * acknowledged the writes, which is what the demo's guest and the fault tests' workload need.
 */
public final class NbdClient implements AutoCloseable {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    private static final int CLIENT_FIXED_NEWSTYLE_NO_ZEROES = 3;
    private static final int OPT_GO = 7;
    private static final int REP_ACK = 1;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    private static final short CMD_WRITE = 1;
    private static final short CMD_DISC = 2;
    private static final short CMD_TRIM = 4;
    private static final short CMD_WRITE_ZEROES = 6;
    private static final int MAX_WRITE = 32 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private long cookie;

    private NbdClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024 + 64));
    }

    /** Connects to {@code host:port} and opens {@code export}; every later read waits at most {@code timeoutMillis}. */
    public static NbdClient connect(String host, int port, String export, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            NbdClient client = new NbdClient(socket);
            client.negotiate(export);
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void negotiate(String export) throws IOException {
        if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD server (no fixed newstyle greeting)");
        }
        in.readUnsignedShort(); // handshake flags
        out.writeInt(CLIENT_FIXED_NEWSTYLE_NO_ZEROES);
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        out.writeLong(IHAVEOPT);
        out.writeInt(OPT_GO);
        out.writeInt(4 + name.length + 2);
        out.writeInt(name.length);
        out.write(name);
        out.writeShort(0); // no information requests
        out.flush();
        while (true) {
            if (in.readLong() != OPTION_REPLY_MAGIC) {
                throw new IOException("bad NBD option reply");
            }
            in.readInt(); // the option answered
            int type = in.readInt();
            in.skipNBytes(in.readInt() & 0xFFFF_FFFFL);
            if (type == REP_ACK) {
                return;
            }
            if (type < 0) { // the error replies have the high bit set
                throw new IOException("the server refused export '" + export + "' (NBD reply type 0x"
                        + Integer.toHexString(type) + ")");
            }
        }
    }

    /** NBD_CMD_WRITE of {@code data[0, length)} at {@code offset}; returns once acknowledged. */
    public void write(long offset, byte[] data, int length) throws IOException {
        if (length <= 0 || length > MAX_WRITE || length > data.length) {
            throw new IllegalArgumentException("bad write length " + length);
        }
        long id = request(CMD_WRITE, offset, length);
        out.write(data, 0, length);
        out.flush();
        awaitReply(id);
    }

    /** NBD_CMD_WRITE_ZEROES; returns once acknowledged. */
    public void writeZeroes(long offset, int length) throws IOException {
        long id = request(CMD_WRITE_ZEROES, offset, length);
        out.flush();
        awaitReply(id);
    }

    /** NBD_CMD_TRIM; returns once acknowledged. */
    public void trim(long offset, int length) throws IOException {
        long id = request(CMD_TRIM, offset, length);
        out.flush();
        awaitReply(id);
    }

    private long request(short type, long offset, int length) throws IOException {
        long id = ++cookie;
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(0);
        out.writeShort(type);
        out.writeLong(id);
        out.writeLong(offset);
        out.writeInt(length);
        return id;
    }

    private void awaitReply(long id) throws IOException {
        if (in.readInt() != SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad NBD reply magic");
        }
        int error = in.readInt();
        long got = in.readLong();
        if (got != id) {
            throw new IOException("NBD reply for request " + got + ", expected " + id);
        }
        if (error != 0) {
            throw new IOException("the server failed request " + id + " with NBD error " + error);
        }
    }

    /** Sends NBD_CMD_DISC (best effort) and closes the socket. */
    @Override
    public void close() throws IOException {
        try (socket) {
            if (!socket.isClosed() && socket.isConnected()) {
                request(CMD_DISC, 0, 0);
                out.flush();
            }
        } catch (IOException e) {
            // the connection is gone already: closing it is all that is left
        }
    }
}
