package io.datamover.tap.bitmap;

import io.datamover.disk.FileIdentity;
import io.datamover.protocol.Names;
import java.util.Objects;

/**
 * Whose dirty bits a bitmap holds: the bits say where one image may differ from its replica in one pair's
 * consistency group, and mean nothing for another image or pair. Recorded in the bitmap's header when it is created
 * and checked at every open, so a state directory reused for another disk or pair is refused instead of trusted (its
 * bits would skip that disk's initial sync).
 *
 * @param pairId the replication pair
 * @param cgId the consistency group in that pair
 * @param image the disk image the bits describe
 */
public record BitmapIdentity(String pairId, long cgId, FileIdentity image) {
    public BitmapIdentity {
        Names.requireId("pairId", pairId);
        Objects.requireNonNull(image, "image");
    }

    boolean sameOwner(BitmapIdentity other) {
        return pairId.equals(other.pairId) && cgId == other.cgId;
    }

    String owner() {
        return "pair " + pairId + ", consistency group " + cgId;
    }
}
