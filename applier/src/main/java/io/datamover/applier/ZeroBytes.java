package io.datamover.applier;

import io.netty.buffer.ByteBuf;

/** Cheap all-zero tests over buffer ranges: eight bytes per comparison, bytes only for the tail. */
final class ZeroBytes {
    private ZeroBytes() {}

    /** True when the {@code length} bytes of {@code buf} from {@code index} are all zero; indexes are not moved. */
    static boolean isAllZero(ByteBuf buf, int index, int length) {
        int end = index + length;
        int longsEnd = index + (length & ~7);
        for (int i = index; i < longsEnd; i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (int i = longsEnd; i < end; i++) {
            if (buf.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
