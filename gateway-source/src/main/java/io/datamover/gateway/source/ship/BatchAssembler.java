package io.datamover.gateway.source.ship;

import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** Turns a cut batch of records into a BATCH frame: coalesced, then LZ4 when allowed and it pays. */
final class BatchAssembler {
    private BatchAssembler() {}

    /**
     * A batch ready to send, with what went into it.
     *
     * @param batch the frame; owned by the caller (writing it to a channel hands it on)
     * @param bodyBytes body bytes after coalescing, before compression
     * @param coalesced what coalescing dropped
     */
    record Assembled(Batch batch, long bodyBytes, Coalescer.Result coalesced) {
        long recordCount() {
            return batch.lastSeq() - batch.firstSeq() + 1;
        }
    }

    /** Builds the frame for {@code cut}; the cut's records stay the caller's (the body is a copy). */
    static Assembled assemble(int cgId, BatchCutter.Cut cut, boolean lz4, ByteBufAllocator alloc) {
        List<WriteRecord> records = cut.records();
        List<BlockWrite> writes = new ArrayList<>(records.size());
        long oldest = Long.MAX_VALUE;
        long newest = 0;
        for (WriteRecord r : records) {
            writes.add(r.write());
            oldest = Math.min(oldest, r.timestampMicros());
            newest = Math.max(newest, r.timestampMicros());
        }
        Coalescer.Result coalesced = Coalescer.coalesce(writes);
        BatchBodies.Body body = BatchBodies.build(coalesced.kept(), lz4, alloc);
        Batch batch = BatchBodies.frame(cgId, cut.firstSeq(), cut.lastSeq(), coalesced.kept().size(), oldest, newest,
                body);
        return new Assembled(batch, body.uncompressedLength(), coalesced);
    }
}
