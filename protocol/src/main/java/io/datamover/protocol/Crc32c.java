package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C over ByteBuf ranges without copying (java.util.zip.CRC32C uses the CPU's instruction), and
 * the combination of two CRCs into the CRC of the concatenated data, so that bytes whose CRC is
 * already known (a write's payload CRC, taken at the tap) are not read a second time.
 */
public final class Crc32c {
    /** CRC32C's polynomial, bit-reflected. */
    private static final int POLY = 0x82F63B78;
    /** X2N[k] = x^(2^k) modulo the polynomial. */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int n = 1; n < 32; n++) {
            X2N[n] = p = multiplyModP(p, p);
        }
    }

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

    /**
     * The CRC32C of A followed by B, from {@code crcA} = CRC32C(A), {@code crcB} = CRC32C(B) and the
     * length of B, in time logarithmic in that length (zlib's crc32_combine, for CRC32C's polynomial).
     */
    public static int combine(int crcA, int crcB, long lengthB) {
        return multiplyModP(xPow8nModP(lengthB), crcA) ^ crcB;
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

    /** a(x) * b(x) modulo the polynomial, on bit-reflected values. */
    private static int multiplyModP(int a, int b) {
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    break;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return p;
    }

    /** x^(8n) modulo the polynomial: the shift that appending n bytes applies to a CRC. */
    private static int xPow8nModP(long n) {
        int p = 1 << 31; // x^0
        int k = 3;
        while (n != 0) {
            if ((n & 1) != 0) {
                p = multiplyModP(X2N[k & 31], p);
            }
            n >>>= 1;
            k++;
        }
        return p;
    }
}
