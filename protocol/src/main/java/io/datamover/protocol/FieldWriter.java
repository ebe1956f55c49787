package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Writes the variable-length field forms that {@link FieldReader} reads. */
final class FieldWriter {
    private FieldWriter() {}

    /** A u16 length then the UTF-8 bytes. The caller's value was validated by its record. */
    static void string(ByteBuf out, String value) {
        int lengthIndex = out.writerIndex();
        out.writeShort(0);
        int written = ByteBufUtil.writeUtf8(out, value);
        out.setShort(lengthIndex, written);
    }

    static int stringLength(String value) {
        return 2 + ByteBufUtil.utf8Bytes(value);
    }
}
