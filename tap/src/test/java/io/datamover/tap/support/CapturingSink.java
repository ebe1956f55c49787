package io.datamover.tap.support;

import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationSink;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;

/** A sink that copies every record it takes, or refuses while told to; it releases every record, as sinks must. */
public final class CapturingSink implements ReplicationSink {

    /** A record as captured: the payload copied out of its buffer. */
    public record Captured(long cg, long seq, int disk, long offset, int length, RecordKind kind, byte[] payload,
            long sourceTimeMicros) {
    }

    private final List<Captured> records = new ArrayList<>();
    private final List<List<Long>> grownTo = new ArrayList<>();
    private volatile boolean refusing;
    private volatile Runnable onDisksGrown = () -> { };

    public void refuse(boolean refuse) {
        this.refusing = refuse;
    }

    @Override
    public synchronized boolean offer(WriteRecord record) {
        try {
            if (refusing) {
                return false;
            }
            if (!record.write().payloadCrcMatches()) {
                throw new AssertionError("seq " + record.seq() + ": payload CRC does not match");
            }
            var w = record.write();
            records.add(new Captured(Integer.toUnsignedLong(record.cg()), w.seq(), w.disk(), w.offset(), w.length(),
                    w.kind(), ByteBufUtil.getBytes(w.payload()), record.timestampMicros()));
            return true;
        } finally {
            record.release();
        }
    }

    /** Runs {@code hook} each time the tap says its disks grew, before the growth is recorded. */
    public void onDisksGrown(Runnable hook) {
        this.onDisksGrown = hook;
    }

    @Override
    public void disksGrown(List<Long> sizes) {
        onDisksGrown.run();
        synchronized (this) {
            grownTo.add(List.copyOf(sizes));
        }
    }

    /** The disks' sizes of each growth the tap told, in order. */
    public synchronized List<List<Long>> grownTo() {
        return List.copyOf(grownTo);
    }

    public synchronized List<Captured> records() {
        return List.copyOf(records);
    }

    /** The records that write the disks: without the initial sync's SYNC_BEGIN/SYNC_END markers. */
    public synchronized List<Captured> writes() {
        return records.stream().filter(r -> !r.kind().isMarker()).toList();
    }
}
