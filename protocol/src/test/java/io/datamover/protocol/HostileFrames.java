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
        ByteBuf whole = Unpooled.buffer();
        FrameCodec.encode(hello, whole);
        int tailBytes = (Hello.carriesGenerations(hello.protocolMax())
                ? 8 + 1 + hello.generations().earlier().size() * EndedGeneration.WIRE_BYTES + 8 : 0)
                + (Hello.carriesEpoch(hello.protocolMax()) ? 8 : 0);
        int disksEnd = whole.writerIndex() - tailBytes;
        int disksAt = disksEnd;
        for (DiskInfo d : hello.disks()) {
            disksAt -= 4 + FieldWriter.stringLength(d.name()) + 8 + 4;
        }
        disksAt -= 2;
        ByteBuf frame = Unpooled.buffer();
        frame.writeBytes(whole, 0, disksAt).writeShort(0).writeBytes(whole, disksEnd, tailBytes);
        whole.release();
        frame.setInt(Wire.OFFSET_LENGTH, frame.readableBytes() - Wire.HEADER_LENGTH);
        return fixCrc(frame);
    }

    /** Sets the header's CRC right for what {@code frame} now holds (after a test changed its bytes). */
    public static ByteBuf fixCrc(ByteBuf frame) {
        CRC32C crc = new CRC32C();
        Crc32c.update(crc, frame, 0, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, frame, Wire.HEADER_LENGTH, frame.readableBytes() - Wire.HEADER_LENGTH);
        frame.setInt(Wire.OFFSET_CRC, (int) crc.getValue());
        return frame;
    }
}
