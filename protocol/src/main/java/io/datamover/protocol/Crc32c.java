package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C over ByteBuf ranges without copying (java.util.zip.CRC32C uses the CPU's instruction). */
public final class Crc32c {
    private Crc32c() {}

    /** CRC32C of {@code length} bytes of {@code buf} from {@code index}; indexes are not moved. */
    public static int of(ByteBuf buf, int index, int length) {
        CRC32C crc = new CRC32C();
        update(crc, buf, index, length);
        return (int) crc.getValue();
    }

    /** CRC32C of the readable bytes of {@code buf}. */
    public static int of(ByteBuf buf) {
        return of(buf, buf.readerIndex(), buf.readableBytes());
    }

    static void update(CRC32C crc, ByteBuf buf, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            for (ByteBuffer part : buf.nioBuffers(index, length)) {
                crc.update(part);
            }
        }
    }
}
