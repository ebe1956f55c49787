package io.datamover.cli.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.Extent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The comparison's decisions, with the two sites as a collaborator that answers scripted digests: a region the source
 * rewrites between the reads is read again, never reported; a difference the source keeps across the replica's read
 * is reported; a region written throughout is unsettled; the repair gets only the differing ranges, merged.
 */
class OnlineVerifyTest {
    private static final int REGION = 64 << 10;

    /** Sites whose disk "vm" has {@code regions} regions, all "a" on both sides unless a script says otherwise. */
    private static final class ScriptedSites implements VerifySites {
        final int regions;
        final Map<Long, Deque<String>> sourceScript = new LinkedHashMap<>();
        final Map<Long, Deque<String>> replicaScript = new LinkedHashMap<>();
        final List<Extent> repaired = new ArrayList<>();
        long seq;
        long stretch = 1;
        int sourceReads;
        /** The stream enters STREAMING again (a resync ran) just before this source read, if > 0. */
        int resyncBeforeRead;
        List<Long> outcome;

        ScriptedSites(int regions) {
            this.regions = regions;
        }

        @Override
        public Map<String, Long> sourceDisks() {
            return Map.of("vm", (long) regions * REGION);
        }

        @Override
        public SourceRead source(String disk, long offset, int regionBytes, int count) {
            if (++sourceReads == resyncBeforeRead) {
                stretch++;
            }
            return new SourceRead(stretch, ++seq, digests(sourceScript, offset, count), 0);
        }

        @Override
        public ReplicaRead replica(String disk, long offset, int regionBytes, int count, long minSeq) {
            assertThat(minSeq).as("the replica is asked at the source's last seq").isEqualTo(seq);
            return new ReplicaRead(minSeq, true, digests(replicaScript, offset, count), 0);
        }

        @Override
        public void repair(String disk, List<Extent> ranges) {
            repaired.addAll(ranges);
            replicaScript.clear();
        }

        @Override
        public void outcome(long compared, long different, long unsettled) {
            outcome = List.of(compared, different, unsettled);
        }

        private static List<String> digests(Map<Long, Deque<String>> script, long offset, int count) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Deque<String> next = script.get(offset + (long) i * REGION);
                out.add(next == null || next.isEmpty() ? "a" : next.size() == 1 ? next.peek() : next.poll());
            }
            return out;
        }
    }

    private static OnlineVerify.Report run(ScriptedSites sites, boolean repair) throws Exception {
        return new OnlineVerify(sites, REGION, new ReadPacer(0, () -> 0, nanos -> { }), 0).run(repair, 0);
    }

    private static Deque<String> seq(String... digests) {
        Deque<String> out = new ArrayDeque<>();
        Collections.addAll(out, digests);
        return out;
    }

    @Test
    void aRegionRewrittenBetweenTheReadsIsReadAgainNotReported() throws Exception {
        ScriptedSites sites = new ScriptedSites(100);
        sites.sourceScript.put(3L * REGION, seq("new", "newer")); // written after the replica's first read
        sites.replicaScript.put(3L * REGION, seq("a", "newer"));
        OnlineVerify.Report report = run(sites, false);
        assertThat(report.equal()).as("%s", report).isTrue();
        assertThat(report.disks().getFirst().regionsCompared()).isEqualTo(100);
    }

    @Test
    void aDifferenceTheSourceKeepsAcrossTheReplicasReadIsReportedAndRepaired() throws Exception {
        ScriptedSites sites = new ScriptedSites(130);
        for (long region : List.of(0L, 1L, 129L)) {
            sites.replicaScript.put(region * REGION, seq("planted"));
        }
        OnlineVerify.Report report = run(sites, true);
        assertThat(report.disks().getFirst().differences())
                .containsExactly(new Extent(0, 2L * REGION), new Extent(129L * REGION, REGION));
        assertThat(sites.repaired).containsExactlyElementsOf(report.disks().getFirst().differences());
        assertThat(report.repaired()).isTrue();
        assertThat(sites.outcome).as("compared, different, unsettled").containsExactly(130L, 3L, 0L);
    }

    @Test
    void aResyncBetweenTheReadsMakesThemProveNothingUntilReadAgain() throws Exception {
        ScriptedSites sites = new ScriptedSites(10);
        sites.replicaScript.put(2L * REGION, seq("planted"));
        sites.resyncBeforeRead = 2; // between the window's read and the first settling read
        OnlineVerify.Report report = run(sites, false);
        assertThat(report.disks().getFirst().differences()).containsExactly(new Extent(2L * REGION, REGION));
        assertThat(sites.sourceReads).as("the window, a read across the resync, one in the same stretch")
                .isEqualTo(3);
    }

    @Test
    void aRegionWrittenThroughoutIsUnsettledNeverDifferent() throws Exception {
        ScriptedSites sites = new ScriptedSites(10);
        Deque<String> ever = new ArrayDeque<>();
        for (int i = 0; i < 3 * OnlineVerify.SETTLE_TRIES; i++) {
            ever.add("v" + i);
        }
        sites.sourceScript.put(5L * REGION, ever);
        sites.replicaScript.put(5L * REGION, seq("old"));
        OnlineVerify.Report report = run(sites, false);
        assertThat(report.anyDifference()).isFalse();
        assertThat(report.equal()).isFalse();
        assertThat(report.disks().getFirst().unsettled()).containsExactly(new Extent(5L * REGION, REGION));
    }
}
