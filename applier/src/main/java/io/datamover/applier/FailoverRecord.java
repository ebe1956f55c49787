package io.datamover.applier;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The durable record of a failover of one replica set ({@code failover.record} beside its stamp): written, with the
 * new generation chosen, before anything of the failover changes the replicas, and kept after it as what the
 * failover did and lost. A rerun after a crash continues from it with the same generation, so a failover is one
 * decision however often it is run. Text, replaced atomically ({@link RecordText}).
 *
 * @param step how far the failover got
 * @param generation the generation the promoted replicas start (its id, never 0)
 * @param consistentSeq the seq of the image promoted: the applied seq, or the undo log's image during a resync
 * @param startedAtMillis when the failover was asked for (epoch milliseconds)
 * @param forced {@code --force} was given
 * @param sourceSeq the highest seq the source was last known to hold (its journal's, from its HELLO and
 *     heartbeats, or a batch received), or -1 when this target does not know
 * @param sourceSeqAtMillis when the target learned {@code sourceSeq} (epoch milliseconds), or -1
 * @param replicaWriteMicros tap time of the newest write the promoted image holds, or -1 when not known (the target
 *     gateway restarted since it applied it)
 */
public record FailoverRecord(Step step, long generation, long consistentSeq, long startedAtMillis, boolean forced,
        long sourceSeq, long sourceSeqAtMillis, long replicaWriteMicros) {
    public static final String FILE_NAME = "failover.record";

    /** The steps a failover records, in order. */
    public enum Step {
        /** Decided and recorded; the replicas may still be rolled back and promoted. */
        RECORDED,
        /** Every disk PROMOTED with the new generation in the stamp, the spool dropped: the replicas are the VM's. */
        DONE
    }

    public FailoverRecord {
        if (generation == 0) {
            throw new IllegalArgumentException("a generation id is never 0");
        }
    }

    public FailoverRecord withStep(Step next) {
        return new FailoverRecord(next, generation, consistentSeq, startedAtMillis, forced, sourceSeq,
                sourceSeqAtMillis, replicaWriteMicros);
    }

    /** The record in replica set directory {@code directory}, or empty when no failover was ever started there. */
    public static Optional<FailoverRecord> read(Path directory) throws IOException {
        return RecordText.read(directory.resolve(FILE_NAME), "a failover record", fields -> new FailoverRecord(
                Step.valueOf(fields.get("step")), HexFormat.fromHexDigitsToLong(fields.get("generation")),
                Long.parseLong(fields.get("consistentSeq")), Long.parseLong(fields.get("startedAtMillis")),
                Boolean.parseBoolean(fields.get("forced")), Long.parseLong(fields.get("sourceSeq")),
                Long.parseLong(fields.get("sourceSeqAtMillis")), Long.parseLong(fields.get("replicaWriteMicros"))));
    }

    /** Replaces the record in {@code directory}, durably. */
    public void write(Path directory) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("step", step);
        fields.put("generation", HexFormat.of().toHexDigits(generation));
        fields.put("consistentSeq", consistentSeq);
        fields.put("startedAtMillis", startedAtMillis);
        fields.put("forced", forced);
        fields.put("sourceSeq", sourceSeq);
        fields.put("sourceSeqAtMillis", sourceSeqAtMillis);
        fields.put("replicaWriteMicros", replicaWriteMicros);
        RecordText.write(directory.resolve(FILE_NAME), fields);
    }
}
