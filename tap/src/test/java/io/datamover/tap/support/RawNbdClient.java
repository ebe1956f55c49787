package io.datamover.tap.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level NBD peer for sending what no real client would. Every read has a deadline (socket timeout), so a
 * server that neither answers nor closes fails the test instead of hanging it.
 */
public final class RawNbdClient implements AutoCloseable {

    public static final long IHAVEOPT = 0x49484156454F5054L;
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int REQUEST_BYTES = 28;

    private final Socket socket;
    public final DataInputStream in;
    public final DataOutputStream out;

    public RawNbdClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting: NBDMAGIC, IHAVEOPT, handshake flags. */
    public int readGreeting() throws IOException {
        if (in.readLong() != 0x4e42444d41474943L || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD server greeting");
        }
        return in.readUnsignedShort();
    }

    /** Reads the greeting and answers with the fixed-newstyle client flag: option haggling may begin. */
    public void startHaggling() throws IOException {
        readGreeting();
        out.writeInt(1);
    }

    public void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    /** One option reply: the option it answers, its type and its payload. */
    public record OptionReply(int option, int type, byte[] data) {
    }

    public OptionReply readOptionReply() throws IOException {
        if (in.readLong() != 0x3e889045565a9L) {
            throw new IOException("bad option reply magic");
        }
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    /** Full fixed-newstyle handshake with NBD_OPT_GO on {@code export}, simple replies. */
    public void negotiate(String export) throws IOException {
        readGreeting();
        out.writeInt(3);
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        byte[] go = new byte[4 + name.length + 2];
        go[3] = (byte) name.length;
        System.arraycopy(name, 0, go, 4, name.length);
        sendOption(7, go);
        OptionReply reply;
        do {
            reply = readOptionReply();
        } while (reply.type() == 3);
        if (reply.type() != 1) {
            throw new IOException("NBD_OPT_GO failed with reply type " + Integer.toHexString(reply.type()));
        }
    }

    public void sendRequest(int flags, int type, long cookie, long offset, long length) throws IOException {
        ByteBuffer request = ByteBuffer.allocate(REQUEST_BYTES);
        encodeRequest(request, flags, type, cookie, offset, length);
        out.write(request.array());
        out.flush();
    }

    /** A simple reply: returns its error; the cookie must match. */
    public int readSimpleReply(long cookie) throws IOException {
        SimpleReply reply = readSimpleReply();
        if (reply.cookie() != cookie) {
            throw new IOException("reply for cookie " + reply.cookie() + ", expected " + cookie);
        }
        return reply.error();
    }

    /** The header of a simple reply, which may answer any request in flight. */
    public record SimpleReply(int error, long cookie) {
    }

    /** The next simple reply's header, whatever request it answers (replies may come in any order). */
    public SimpleReply readSimpleReply() throws IOException {
        if (in.readInt() != 0x67446698) {
            throw new IOException("bad simple reply magic");
        }
        int error = in.readInt();
        return new SimpleReply(error, in.readLong());
    }

    /** A request header as it goes on the wire, for sending many at once with one write. */
    public static void encodeRequest(ByteBuffer into, int flags, int type, long cookie, long offset, long length) {
        into.putInt(REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie).putLong(offset)
                .putInt((int) length);
    }

    /** True once the server has closed the connection (EOF or reset) before the deadline. */
    public boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // Drain whatever the server still sent before closing.
            }
            return true;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
