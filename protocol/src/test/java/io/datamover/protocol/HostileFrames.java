package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.zip.CRC32C;

/** Bytes a hostile or broken peer sends, which no {@link Frame} constructor would make. For the gateways' tests too. */
public final class HostileFrames {
    private HostileFrames() {}

    /** A frame header only: valid magic, version and type, a length of {@code length} and no payload behind it. */
    public static ByteBuf headerDeclaring(FrameType type, long length) {
        ByteBuf b = Unpooled.buffer(Wire.HEADER_LENGTH);
        b.writeInt(Wire.MAGIC).writeByte(Wire.FRAME_VERSION).writeByte(type.code()).writeShort(0)
                .writeInt((int) length).writeInt(0);
        return b;
    }

    /** {@code hello} encoded as a whole frame (CRC right) but declaring no disk. */
    public static ByteBuf helloWithoutDisks(Hello hello) {
        ByteBuf frame = Unpooled.buffer();
        FrameCodec.encode(hello, frame);
        int disksAt = frame.writerIndex();
        for (DiskInfo d : hello.disks()) {
            disksAt -= 4 + FieldWriter.stringLength(d.name()) + 8 + 4;
        }
        disksAt -= 2;
        frame.setShort(disksAt, 0);
        frame.writerIndex(disksAt + 2);
        frame.setInt(Wire.OFFSET_LENGTH, frame.readableBytes() - Wire.HEADER_LENGTH);
        CRC32C crc = new CRC32C();
        Crc32c.update(crc, frame, 0, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, frame, Wire.HEADER_LENGTH, frame.readableBytes() - Wire.HEADER_LENGTH);
        frame.setInt(Wire.OFFSET_CRC, (int) crc.getValue());
        return frame;
    }
}
