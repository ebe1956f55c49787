package io.datamover.tap.sync;

import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** What the initial sync and the resync share: ordered reads of the local disk into records, and waiting for room. */
final class OrderedSyncReads {

    /** Longest single wait for room in the window, so a stop or a mode change is noticed soon. */
    private static final long ROOM_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private OrderedSyncReads() {
    }

    /**
     * One ordered sync read: a seq, the bytes as they are at that seq, a DATA record. With {@code zerosAsZeroRecord},
     * bytes that are all zero at that seq become a ZERO record instead (a replica holding old data must be zeroed).
     *
     * @return true when the bytes were all zero and sent as a ZERO record
     */
    static boolean send(ConsistencyGroup group, Export export, long offset, int length, boolean zerosAsZeroRecord)
            throws IOException {
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
        try {
            read.markDirty();
            export.read(payload.nioBuffer(0, length), offset);
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
        return zero;
    }

    /** Waits, in short slices, until the window has room; false when the sync must stop instead. */
    static boolean awaitRoom(ConsistencyGroup group, long maxUnacknowledgedBytes, BooleanSupplier stopping) {
        while (!stopping.getAsBoolean() && group.mode() == ReplicationMode.RESYNCING) {
            try {
                if (group.awaitReplicationRoom(maxUnacknowledgedBytes, ROOM_WAIT_SLICE_NANOS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
