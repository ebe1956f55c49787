package io.datamover.disk.compare;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Digests slices of a disk with SHA-256.
 *
 * <p>Why SHA-256 and not CRC32C or xxHash: two slices whose digests match are declared equal, so a collision would
 * hide a real difference; a 32-bit checksum lets one differing slice in four billion through, and a 16 TiB disk
 * has a quarter of a billion 64 KiB regions. The JDK's SHA-256 runs on the CPU's SHA instructions (SHA-NI, ARMv8
 * crypto) at about the speed a disk reads, needs no dependency, and reduces each side to 32 bytes per region, the
 * form in which a remote replica's content can be compared later without shipping it.
 *
 * <p>A slice that is a hole (or past the end of a shorter disk) has the digest of that many zeros, computed once
 * per length: slices have at most a few distinct lengths (the slice size, and the tail of the disk).
 */
final class SliceDigester {
    private final MessageDigest sha256;
    private final Map<Integer, byte[]> zeroDigests = new HashMap<>();

    SliceDigester() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    byte[] digest(byte[] bytes, int offset, int length) {
        sha256.update(bytes, offset, length);
        return sha256.digest();
    }

    byte[] zeroDigest(int length) {
        return zeroDigests.computeIfAbsent(length, n -> digest(new byte[n], 0, n));
    }
}
