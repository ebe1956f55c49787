package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.bench.link.LinkSpec;
import io.datamover.cli.admin.StatusJson;
import io.datamover.cli.admin.StatusReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sweep's command line, the workload's fio options, the reading of a daemon's status JSON and the plot scale. */
class RpoSweepTest {
    @Test
    void theQuickSweepIsFourRunsAndFullCrossesEveryList() {
        RpoOptions quick = RpoOptions.parse();
        assertThat(quick.runs()).hasSize(4).extracting(RpoOptions.RunConfig::batchMs).containsExactly(25L, 250L,
                25L, 250L);
        assertThat(quick.runs()).extracting(r -> r.link().bitsPerSecond()).containsExactly(40_000_000L,
                40_000_000L, 160_000_000L, 160_000_000L);
        assertThat(RpoOptions.parse("--full").runs()).hasSize(4 * 2 * 2 * 3);
        RpoOptions mine = RpoOptions.parse("--full", "--link-mbit", "0", "--compression", "off", "--outage",
                "5+2,10+0.5:stall", "--latency-ms", "20");
        assertThat(mine.runs()).hasSize(4 * 2).allMatch(r -> !r.compression() && r.link().bitsPerSecond() == 0);
        assertThat(mine.outages()).containsExactly(
                new LinkSpec.Outage(Duration.ofSeconds(5), Duration.ofSeconds(2), LinkSpec.Outage.Kind.DISCONNECT),
                new LinkSpec.Outage(Duration.ofSeconds(10), Duration.ofMillis(500), LinkSpec.Outage.Kind.STALL));
        assertThat(mine.runs().getFirst().link().oneWayLatency()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void nonsenseIsRefusedWithTheUsage() {
        assertThatThrownBy(() -> RpoOptions.parse("--compression", "maybe")).hasMessageContaining("on and/or off");
        assertThatThrownBy(() -> RpoOptions.parse("--outage", "5")).hasMessageContaining("AT+LENGTH");
        assertThatThrownBy(() -> RpoOptions.parse("--batch-ms", "0")).hasMessageContaining("usage: bench rpo");
        assertThatThrownBy(() -> RpoOptions.parse("--read", "100")).hasMessageContaining("--read");
        assertThatThrownBy(() -> RpoOptions.parse("--link-mbit")).hasMessageContaining("missing value");
    }

    @Test
    void theWorkloadMixesReadsSpreadsByZipfAndBurstsBySize() {
        Workload w = new Workload(15, 65536, 50, 8, 4 << 20, 30, 1.2, 0);
        assertThat(w.fioCommand("nbd://h:1/x", 1L << 30)).contains("--rw=randrw", "--rwmixread=30",
                "--random_distribution=zipf:1.2", "--rate=4194304", "--time_based");
        assertThat(w.burst(32 << 20, 20).fioCommand("nbd://h:1/x", 1L << 30)).contains("--io_size=33554432",
                "--runtime=20").noneMatch(a -> a.startsWith("--rate") || a.equals("--time_based"));
        assertThat(new Workload(5, 65536, 50, 8, 0).fioCommand("u", 1 << 20)).contains("--rw=randwrite")
                .noneMatch(a -> a.startsWith("--rwmixread") || a.startsWith("--random_distribution"));
    }

    @Test
    void theAdminProbeReadsTheFieldsOfADaemonsStatusJson() {
        String json = StatusJson.render(new StatusReport("target-gateway", "t \"1\"", List.of(new StatusReport.Group(
                "1", null, "pair", "UP_TO_DATE", 42L, 40L, null, null, 2L, 0L, 0L, 1L, 1.5, 2.5, null, null, false,
                null, List.of(new StatusReport.Disk("bench", null, "INCONSISTENT"))))));

        assertThat(AdminProbe.field(json, "state")).contains("UP_TO_DATE");
        assertThat(AdminProbe.field(json, "lastSeq")).contains("42");
        assertThat(AdminProbe.field(json, "appliedSeq")).contains("40");
        assertThat(AdminProbe.field(json, "bytesPerSecond")).contains("2.500");
        assertThat(AdminProbe.field(json, "lagSeconds")).as("null reads as absent").isEmpty();
        assertThat(AdminProbe.field(json, "lastError")).isEmpty();
        assertThat(AdminProbe.field(json, "id")).contains("t \\\"1\\\"");
        assertThat(AdminProbe.field(StatusJson.render(new StatusReport("source-gateway", "s", List.of())), "cg"))
                .as("no group yet").isEmpty();
    }

    @Test
    void chartsScaleToRoundNumbersAndSkipMissingPoints() {
        assertThat(SvgChart.niceCeiling(0.73)).isEqualTo(1.0);
        assertThat(SvgChart.niceCeiling(1.3)).isEqualTo(2.0);
        assertThat(SvgChart.niceCeiling(230)).isEqualTo(250.0);
        assertThat(SvgChart.niceCeiling(0)).isEqualTo(1.0);
        String svg = new SvgChart("t", "x", "y").line("a <b>", new double[] {0, 1, 2}, new double[] {1, Double.NaN, 2})
                .svg();
        assertThat(svg).contains("a &lt;b&gt;").doesNotContain("NaN").containsPattern("points=\"[\\d.]+,[\\d.]+ [\\d.]+,[\\d.]+\"");
    }
}
