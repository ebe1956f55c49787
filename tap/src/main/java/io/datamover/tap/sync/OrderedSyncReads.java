package io.datamover.tap.sync;

import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What the initial sync and the resync share: ordered reads of the local disk into records (or of the bytes a peek read
 * when no write changed them since), and waiting for room.
 */
final class OrderedSyncReads {

    private OrderedSyncReads() {
    }

    /** What {@link #send} sent: a ZERO record or DATA, and whether it read the disk for it. */
    record Sent(boolean zero, boolean readDisk) {
    }

    /**
     * One ordered sync read: a seq, the bytes as they are at that seq, a DATA record. With {@code zerosAsZeroRecord},
     * bytes that are all zero at that seq become a ZERO record instead (a replica holding old data must be zeroed).
     * The range was read before, unordered, under {@code peek}, as {@code peeked} (position to limit: exactly the
     * range): the disk is not read again when the peek is unchanged at this read's seq (no guest write changed the
     * range since it was peeked, and later ones wait for this read, so the peeked bytes are the disk's at that seq).
     */
    static Sent send(ConsistencyGroup group, Export export, long offset, int length, boolean zerosAsZeroRecord,
            ConsistencyGroup.Peek peek, ByteBuffer peeked) throws IOException {
        ByteBuf payload = ByteBufAllocator.DEFAULT.directBuffer(length, length);
        ConsistencyGroup.OrderedWrite read;
        try {
            read = group.beginSyncRead(export.index(), offset, length);
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
        boolean succeeded = false;
        boolean zero = false;
        boolean readDisk = false;
        try {
            read.markDirty();
            ByteBuffer bytes = payload.nioBuffer(0, length);
            if (peek.unchangedSinceRead()) {
                bytes.put(peeked.duplicate());
            } else {
                export.read(bytes, offset);
                readDisk = true;
            }
            payload.writerIndex(length);
            if (zerosAsZeroRecord && ZeroBlocks.isAllZero(payload.nioBuffer(0, length))) {
                read.sendAsZero();
                payload.release();
                payload = Unpooled.EMPTY_BUFFER;
                zero = true;
            }
            succeeded = true;
        } finally {
            read.complete(succeeded, payload); // a failed read puts the group in bitmap mode
        }
        // The sync does not read this range again: its folios would make the guest's small writes dearer
        // (docs/benchmarks.md, "The page cache's state").
        export.file().dropPagesReadForward(offset, length);
        return new Sent(zero, readDisk);
    }

    /**
     * Waits until the window has room (an event of the group's owner, no polling); false when the sync must stop
     * instead: stopped, or the group left RESYNCING.
     */
    static boolean awaitRoom(ConsistencyGroup group, long maxUnacknowledgedBytes, SyncStop stop) {
        if (stop.stopped() || group.mode() != ReplicationMode.RESYNCING) {
            return false;
        }
        try {
            return stop.await(group.whenReplicationRoom(maxUnacknowledgedBytes));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
