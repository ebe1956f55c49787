package io.datamover.cli.admin;

import io.datamover.cli.online.VerifySites;
import io.datamover.disk.Extent;
import io.datamover.gateway.source.VerifyLink;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRepair;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sites of an online verify as the source gateway reaches them ({@link VerifyLink}): the tap over its link, the
 * target gateway over the authenticated link the group ships on. Disks are named as the tap declared them; the frames
 * carry their ids. The outcome and the repaired regions become this gateway's metrics ({@link VerifyMetrics}).
 */
final class LinkVerifySites implements VerifySites {
    private final VerifyLink link;
    private final VerifyMetrics metrics;
    private final Map<String, DiskInfo> disks = new LinkedHashMap<>();

    LinkVerifySites(VerifyLink link, VerifyMetrics metrics) {
        this.link = link;
        this.metrics = metrics;
        link.disks().forEach(disk -> disks.put(disk.name(), disk));
    }

    @Override
    public Map<String, Long> sourceDisks() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        disks.forEach((name, disk) -> sizes.put(name, disk.sizeBytes()));
        return sizes;
    }

    @Override
    public SourceRead source(String disk, long offset, int regionBytes, int count)
            throws IOException, InterruptedException {
        VerifyAnswer answer = link.source(id(disk), offset, regionBytes, count);
        return new SourceRead(answer.consistent() ? answer.stretch() : -1, answer.seq(), answer.digests(),
                answer.bytesRead());
    }

    @Override
    public ReplicaRead replica(String disk, long offset, int regionBytes, int count, long minSeq)
            throws IOException, InterruptedException {
        VerifyAnswer answer = link.replica(id(disk), offset, regionBytes, count, minSeq);
        return new ReplicaRead(answer.seq(), answer.consistent(), answer.digests(), answer.bytesRead());
    }

    @Override
    public void repair(String disk, List<Extent> ranges) throws IOException, InterruptedException {
        link.repair(id(disk), ranges.stream().map(range -> new VerifyRepair.Range(range.offset(), range.length()))
                .toList());
        metrics.repaired(ranges);
    }

    @Override
    public void outcome(long compared, long different, long unsettled) {
        metrics.outcome(compared, different, unsettled);
    }

    private int id(String disk) {
        DiskInfo info = disks.get(disk);
        if (info == null) {
            throw new IllegalArgumentException("no disk named " + disk);
        }
        return info.id();
    }
}
