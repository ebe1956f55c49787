package io.datamover.cli.demo;

import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The demo's last word: do source and replica hold the same bytes, and is the replica as thin? */
record ReplicaCheck(String sourceSha256, String replicaSha256, long sourceAllocated, long replicaAllocated) {
    static ReplicaCheck compare(Path source, Path replica) throws IOException {
        return new ReplicaCheck(sha256(source), sha256(replica), allocated(source), allocated(replica));
    }

    boolean equal() {
        return sourceSha256.equals(replicaSha256);
    }

    String describe() {
        return String.format("%s (sha256 %s...); allocated: source %,.1f MiB, replica %,.1f MiB",
                equal() ? "EQUAL" : "DIFFERENT", equal() ? sourceSha256.substring(0, 16) : sourceSha256.substring(0, 16)
                        + " vs " + replicaSha256.substring(0, 16), sourceAllocated / 1048576.0,
                replicaAllocated / 1048576.0);
    }

    private static long allocated(Path path) throws IOException {
        try (SparseFile f = SparseFile.openReadOnly(path)) {
            return f.allocatedBytes();
        }
    }

    private static String sha256(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
