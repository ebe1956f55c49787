package io.datamover.cli.online;

import io.datamover.disk.Extent;
import io.datamover.protocol.VerifyRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Compares a consistency group's source disks with their replicas while replication runs, region by region in order,
 * each site digesting its own disk ({@link VerifySites}); nothing is paused.
 *
 * <p>A window of regions is digested at the source, then at the replica once it applied the source's last seq of that
 * read. A region whose digests differ may just have been written between the two reads, so it is settled: the
 * source is read again after the replica's read. If the source did not change across the replica's read, the
 * difference is real: every write that reached the source before the first read has a seq at most that read's last
 * seq, so the replica holds it; every write the replica holds reached the source before the replica's read (the tap
 * streams a write only after its local write), so none of them landed between the two source reads, which found the
 * same content. If the source changed, the replica is read again at the new seq, and so on up to
 * {@value #SETTLE_TRIES} times; a region written throughout is reported unsettled, never different.
 *
 * <p>Both sites must stream (the tap's mode STREAMING around each read, the replicas UP_TO_DATE): a read that finds
 * otherwise is tried again once a second, up to {@code notStreamingWaitSeconds}.
 */
public final class OnlineVerify {
    /** How many times a differing region is read again before it is called unsettled. */
    static final int SETTLE_TRIES = 8;
    /** Regions digested per exchange, at most (and at most 8 MiB of them: what a site reads for one request). */
    static final int WINDOW_REGIONS = VerifyRequest.MAX_REGIONS;
    private static final long SECOND_NANOS = 1_000_000_000L;

    /** One disk's outcome: differing and unsettled ranges, in order (adjacent regions merged). */
    public record DiskResult(String disk, long sizeBytes, long regionsCompared, List<Extent> differences,
            List<Extent> unsettled, List<Extent> stillDifferentAfterRepair) {
        public DiskResult {
            differences = List.copyOf(differences);
            unsettled = List.copyOf(unsettled);
            stillDifferentAfterRepair = List.copyOf(stillDifferentAfterRepair);
        }
    }

    /** The whole outcome. */
    public record Report(List<DiskResult> disks, int regionBytes, long bytesRead, boolean repairAsked) {
        public boolean equal() {
            return disks.stream().allMatch(d -> d.differences().isEmpty() && d.unsettled().isEmpty());
        }

        public boolean repaired() {
            return repairAsked && disks.stream().allMatch(d -> d.stillDifferentAfterRepair().isEmpty());
        }

        public boolean anyDifference() {
            return disks.stream().anyMatch(d -> !d.differences().isEmpty());
        }

        /** Verify's exit status: 0 equal (or every difference repaired), 1 different, 4 only regions unsettled. */
        public int exitStatus() {
            if (anyDifference()) {
                return repaired() ? 0 : 1;
            }
            return equal() ? 0 : 4;
        }
    }

    private enum Verdict { EQUAL, DIFFERENT, UNSETTLED }

    private final VerifySites sites;
    private final int regionBytes;
    private final ReadPacer pacer;
    private final long notStreamingWaitSeconds;

    public OnlineVerify(VerifySites sites, int regionBytes, ReadPacer pacer, long notStreamingWaitSeconds) {
        this.sites = sites;
        this.regionBytes = regionBytes;
        this.pacer = pacer;
        this.notStreamingWaitSeconds = notStreamingWaitSeconds;
    }

    /** Compares every disk; with {@code repair}, has the differing regions resynced and checks them again. */
    public Report run(boolean repair, long repairWaitSeconds) throws IOException, InterruptedException {
        List<DiskResult> results = new ArrayList<>();
        for (Map.Entry<String, Long> disk : sites.sourceDisks().entrySet()) {
            results.add(compare(disk.getKey(), disk.getValue(), repair, repairWaitSeconds));
        }
        Report report = new Report(results, regionBytes, pacer.bytes(), repair);
        sites.outcome(results.stream().mapToLong(DiskResult::regionsCompared).sum(),
                regions(results, DiskResult::differences), regions(results, DiskResult::unsettled));
        return report;
    }

    private long regions(List<DiskResult> results, java.util.function.Function<DiskResult, List<Extent>> which) {
        return results.stream().flatMap(result -> which.apply(result).stream())
                .mapToLong(range -> (range.length() + regionBytes - 1) / regionBytes).sum();
    }

    private DiskResult compare(String disk, long size, boolean repair, long repairWaitSeconds)
            throws IOException, InterruptedException {
        List<Long> differing = new ArrayList<>();
        List<Long> unsettled = new ArrayList<>();
        long regions = 0;
        int window = Math.max(1, Math.min(WINDOW_REGIONS, VerifyRequest.MAX_SPAN_BYTES / regionBytes));
        long windowBytes = (long) window * regionBytes;
        for (long offset = 0; offset < size; offset += windowBytes) {
            int count = (int) Math.min(window, (size - offset + regionBytes - 1) / regionBytes);
            VerifySites.SourceRead source = source(disk, offset, count);
            VerifySites.ReplicaRead replica = replica(disk, offset, count, source.lastSeq());
            regions += count;
            for (int i = 0; i < count; i++) {
                if (i < replica.digests().size() && source.digests().get(i).equals(replica.digests().get(i))) {
                    continue;
                }
                long region = offset + (long) i * regionBytes;
                switch (settle(disk, region, source.digests().get(i), source.streamingStretch())) {
                    case DIFFERENT -> differing.add(region);
                    case UNSETTLED -> unsettled.add(region);
                    case EQUAL -> { }
                }
            }
        }
        List<Long> still = List.of();
        if (repair && !differing.isEmpty()) {
            sites.repair(disk, ranges(differing, size));
            still = awaitRepaired(disk, differing, repairWaitSeconds);
        }
        return new DiskResult(disk, size, regions, ranges(differing, size), ranges(unsettled, size),
                ranges(still, size));
    }

    /**
     * Whether the region at {@code offset}, found different from the source's {@code before} (read in the stream's
     * {@code stretch}), really differs.
     */
    private Verdict settle(String disk, long offset, String before, long stretch)
            throws IOException, InterruptedException {
        for (int attempt = 0; attempt < SETTLE_TRIES; attempt++) {
            VerifySites.SourceRead after = source(disk, offset, 1);
            String now = after.digests().getFirst();
            if (now.equals(before) && after.streamingStretch() == stretch) {
                return Verdict.DIFFERENT; // the source did not change across the replica's read, nor did the stream
            }
            VerifySites.ReplicaRead replica = replica(disk, offset, 1, after.lastSeq());
            if (!replica.digests().isEmpty() && replica.digests().getFirst().equals(now)) {
                return Verdict.EQUAL;
            }
            before = now;
            stretch = after.streamingStretch();
        }
        return Verdict.UNSETTLED;
    }

    /** Checks the repaired regions again, once a second, until each is equal or {@code waitSeconds} passed. */
    private List<Long> awaitRepaired(String disk, List<Long> regions, long waitSeconds)
            throws IOException, InterruptedException {
        List<Long> left = new ArrayList<>(regions);
        for (long round = 0; !left.isEmpty() && round <= waitSeconds; round++) {
            if (round > 0) {
                pacer.pause(SECOND_NANOS);
            }
            List<Long> next = new ArrayList<>();
            for (long region : left) {
                VerifySites.SourceRead source = source(disk, region, 1);
                VerifySites.ReplicaRead replica = replica(disk, region, 1, source.lastSeq());
                if (replica.digests().isEmpty() || !replica.digests().getFirst().equals(source.digests().getFirst())) {
                    next.add(region);
                }
            }
            left = next;
        }
        return left;
    }

    private VerifySites.SourceRead source(String disk, long offset, int count)
            throws IOException, InterruptedException {
        return whileStreaming(() -> sites.source(disk, offset, regionBytes, count), VerifySites.SourceRead::bytesRead,
                VerifySites.SourceRead::streamed, "the tap's group has not been STREAMING");
    }

    private VerifySites.ReplicaRead replica(String disk, long offset, int count, long minSeq)
            throws IOException, InterruptedException {
        return whileStreaming(() -> sites.replica(disk, offset, regionBytes, count, minSeq),
                VerifySites.ReplicaRead::bytesRead, VerifySites.ReplicaRead::upToDate,
                "the replicas have not been UP_TO_DATE");
    }

    /** One read of a site. */
    @FunctionalInterface
    private interface SiteRead<T> {
        T read() throws IOException, InterruptedException;
    }

    /**
     * Reads, paced, until the read says replication streamed ({@code streamed}), once a second up to
     * {@code notStreamingWaitSeconds}; then gives up saying {@code notStreaming}.
     */
    private <T> T whileStreaming(SiteRead<T> read, ToLongFunction<T> bytesRead, Predicate<T> streamed,
            String notStreaming) throws IOException, InterruptedException {
        for (long waited = 0; ; waited++) {
            T answer = read.read();
            pacer.paced(bytesRead.applyAsLong(answer));
            if (streamed.test(answer)) {
                return answer;
            }
            if (waited >= notStreamingWaitSeconds) {
                throw new IOException(notStreaming + " for " + notStreamingWaitSeconds
                        + " s (bitmap mode or a resync): run verify once replication streams");
            }
            pacer.pause(SECOND_NANOS);
        }
    }

    /** Sorted region offsets as ranges, adjacent ones merged, the last cut at the disk's end. */
    private List<Extent> ranges(List<Long> regions, long size) {
        List<Extent> ranges = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (long region : regions) {
            if (region != end) {
                if (start >= 0) {
                    ranges.add(new Extent(start, end - start));
                }
                start = region;
            }
            end = Math.min(size, region + regionBytes);
        }
        if (start >= 0) {
            ranges.add(new Extent(start, end - start));
        }
        return ranges;
    }
}
