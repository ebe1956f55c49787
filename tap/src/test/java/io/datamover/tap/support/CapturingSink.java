package io.datamover.tap.support;

import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationSink;
import io.datamover.tap.replication.WriteRecord;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;

/** A sink that copies every record it takes (and releases the payload it owns), or refuses while told to. */
public final class CapturingSink implements ReplicationSink {

    /** A record as captured: the payload copied out of its buffer. */
    public record Captured(long cg, long seq, int disk, long offset, int length, RecordKind kind, byte[] payload,
            long sourceTimeMicros) {
    }

    private final List<Captured> records = new ArrayList<>();
    private volatile boolean refusing;

    public void refuse(boolean refuse) {
        this.refusing = refuse;
    }

    @Override
    public synchronized boolean offer(WriteRecord record) {
        if (refusing) {
            return false;
        }
        try {
            records.add(new Captured(record.consistencyGroup(), record.seq(), record.disk(), record.offset(),
                    record.length(), record.kind(), ByteBufUtil.getBytes(record.payload()), record.sourceTimeMicros()));
            return true;
        } finally {
            record.payload().release();
        }
    }

    public synchronized List<Captured> records() {
        return List.copyOf(records);
    }
}
