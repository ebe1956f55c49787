package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatusRenderingTest {

    @Test
    void jsonEscapesStringsAndWritesNullForWhatIsNotKnown() {
        String json = StatusJson.render(Reports.report());

        assertThat(json).startsWith("{\"daemon\":\"source-gateway\",\"id\":\"gw-1\",\"groups\":[{\"cg\":\"7\","
                + "\"name\":\"vm \\\"seven\\\"\\n\"");
        assertThat(json).contains("\"lagSeconds\":12.340", "\"appliedSeq\":100", "\"rpoObjectiveSeconds\":30.000",
                "\"rpoBreached\":false", "\"lastError\":null",
                "{\"name\":\"data\",\"sizeBytes\":null,\"state\":\"RESYNCING\"}");
    }

    @Test
    void jsonEscapesControlCharacters() {
        assertThat(StatusJson.string("a\u0001b\\c\t")).isEqualTo("\"a\\u0001b\\\\c\\t\"");
        assertThat(StatusJson.string(null)).isEqualTo("null");
    }

    @Test
    void textShowsOneBlockPerGroupAndOneLinePerDiskInHumanUnits() {
        String text = StatusText.render(Reports.report());

        assertThat(text).contains("cg 7 (vm \"seven\"\n) of pair pair-a: STREAMING",
                "seq:        last 120, applied 100", "lag:        12.3 s, 20 records, 3.0 MiB",
                "rpo:        12.3 s (objective 30.0 s)", "queue:      5.0 MiB of 1024.0 MiB",
                "throughput: 40.0 records/s, 2.5 MiB/s", "compression: 1.75x", "last error: none");
        assertThat(text).containsPattern("disk root +10240.0 MiB  STREAMING")
                .containsPattern("disk data +-  RESYNCING");
        assertThat(text).doesNotContain("BREACHED");
    }

    @Test
    void theTransportShowsTlsWithTheCertificatesEndOrInsecurePlaintext() {
        StatusReport tls = Reports.report().withTransport(new StatusReport.Transport("TLS", "openssl",
                "CN=source-gateway p,O=datamover", "1f", "2027-01-01T00:00:00Z", 86_400.0 * 30));
        assertThat(StatusText.render(tls)).contains("transport: TLS (openssl), certificate 'CN=source-gateway"
                + " p,O=datamover' serial 1f, expires 2027-01-01T00:00:00Z (in 30.0 days)");
        assertThat(StatusJson.render(tls)).contains("\"transport\":{\"mode\":\"TLS\",\"provider\":\"openssl\","
                + "\"subject\":\"CN=source-gateway p,O=datamover\",\"serial\":\"1f\",\"notAfter\":"
                + "\"2027-01-01T00:00:00Z\",\"expirySeconds\":2592000.000}");

        StatusReport plaintext = Reports.report().withTransport(new StatusReport.Transport("INSECURE-PLAINTEXT", null,
                null, null, null, null));
        assertThat(StatusText.render(plaintext)).contains("transport: INSECURE-PLAINTEXT");
        assertThat(StatusJson.render(plaintext)).contains("\"transport\":{\"mode\":\"INSECURE-PLAINTEXT\"");
    }

    @Test
    void aCoordinatedGatewayShowsItsSessionAndEachGroupsLeaderEpochStandbysAndTakeovers() {
        StatusReport.Group group = Reports.report().groups().getFirst().withLeadership(new StatusReport.Leadership(
                "STANDBY", 1, "gw-2", "10.0.0.2:7000", 3, List.of("gw-1", "gw-3"), 1, 0.0123, 4.5));
        StatusReport report = new StatusReport("source-gateway", "gw-1", List.of(group))
                .withCoordination(new StatusReport.Coordination("zookeeper", "protected", "RECONNECTED"));

        assertThat(StatusText.render(report)).contains(
                "coordination: zookeeper, site protected, ZooKeeper session RECONNECTED",
                "  leader:     gw-2 at 10.0.0.2:7000 under epoch 3; here STANDBY, epoch 1; standbys gw-1, gw-3",
                "  takeovers:  1 here, the latest took 0.012 s from the lock coming here (waited 4.5 s for it)");
        assertThat(StatusJson.render(report)).contains("\"coordination\":{\"mode\":\"zookeeper\",\"site\":"
                + "\"protected\",\"session\":\"RECONNECTED\"}", "\"leadership\":{\"role\":\"STANDBY\",\"epoch\":1,"
                + "\"leader\":\"gw-2\",\"leaderAddress\":\"10.0.0.2:7000\",\"leaderEpoch\":3,\"standbys\":[\"gw-1\","
                + "\"gw-3\"],\"takeovers\":1,\"lastTakeoverSeconds\":0.012,\"lastWaitSeconds\":4.500}");
        assertThat(StatusJson.render(Reports.report())).contains("\"leadership\":null", "\"coordination\":null");
        assertThat(StatusText.render(Reports.report())).doesNotContain("coordination:", "leader:");
    }
}
