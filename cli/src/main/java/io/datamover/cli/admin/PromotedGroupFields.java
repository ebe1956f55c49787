package io.datamover.cli.admin;

import io.datamover.applier.ReplicaMetadata;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A promoted replica set's identity, as the recovery site's target gateway tells it ({@code POST
 * /reverse/promoted}, one {@code key=value} line each) and its source gateway takes it ({@code POST /reverse/seed},
 * the same keys as parameters): the command carries the fields from one daemon to the other unread. The history
 * travels in its wire form (hex), each disk as {@code id/blockSize/sizeBytes/name} (a disk name has no '/' or ',').
 */
public final class PromotedGroupFields {
    /** The keys, in the order the target gateway writes them. */
    public static final List<String> KEYS = List.of("pair", "seq", "history", "disks");

    /** What the source gateway seeds from. */
    record Promoted(String pair, long seq, GenerationHistory history, List<DiskInfo> disks) {}

    private PromotedGroupFields() {}

    /** The target gateway's answer: the {@code key=value} lines of {@code stamp}. */
    static String lines(ReplicaMetadata stamp) {
        ByteBuf wire = Unpooled.buffer(stamp.generations().encodedLength());
        String history;
        try {
            stamp.generations().writeTo(wire);
            history = ByteBufUtil.hexDump(wire);
        } finally {
            wire.release();
        }
        String disks = stamp.disks().stream().map(d -> d.id() + "/" + d.blockSizeBytes() + "/" + d.sizeBytes() + "/"
                + d.name()).collect(Collectors.joining(","));
        return "pair=" + stamp.pairId() + "\nseq=" + stamp.appliedSeq() + "\nhistory=" + history + "\ndisks=" + disks
                + "\n";
    }

    /**
     * The source gateway's reading of the parameters.
     *
     * @throws IllegalArgumentException a field is missing or malformed, named
     */
    static Promoted parse(Map<String, String> parameters) {
        for (String key : KEYS) {
            if (parameters.getOrDefault(key, "").isEmpty()) {
                throw new IllegalArgumentException("reverse/seed needs " + key + "= (the fields the recovery site's "
                        + "target gateway answers to POST /reverse/promoted)");
            }
        }
        long seq;
        try {
            seq = Long.parseLong(parameters.get("seq"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seq must be a seq: " + parameters.get("seq"), e);
        }
        ByteBuf wire;
        try {
            wire = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(parameters.get("history")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("history must be hex: " + e.getMessage(), e);
        }
        GenerationHistory history;
        try {
            history = GenerationHistory.readFrom(wire);
            if (wire.isReadable()) {
                throw new IllegalArgumentException("history has " + wire.readableBytes() + " bytes past its end");
            }
        } catch (ProtocolException e) {
            throw new IllegalArgumentException("history: " + e.getMessage(), e);
        } finally {
            wire.release();
        }
        List<DiskInfo> disks = new ArrayList<>();
        for (String disk : parameters.get("disks").split(",")) {
            String[] parts = disk.split("/", 4);
            if (parts.length != 4) {
                throw new IllegalArgumentException("a disk must be id/blockSize/sizeBytes/name, got " + disk);
            }
            try {
                disks.add(new DiskInfo(Integer.parseInt(parts[0]), parts[3], Long.parseLong(parts[2]),
                        Integer.parseInt(parts[1])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a disk must be id/blockSize/sizeBytes/name, got " + disk, e);
            }
        }
        return new Promoted(parameters.get("pair"), seq, history, List.copyOf(disks));
    }
}
