package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.HelloAck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A planned migration's check of room for the reverse direction at the recovery site's source gateway (a group it
 * holds is no room, nor is a journal bound past what its data directory's file system has free), and reverse
 * replication's step at the recovery site through the running source gateway: the group is seeded in the
 * data directory the gateway holds (the same staged steps as {@code datamover reverse} on a stopped one) and opened
 * at once, continuing the promoted history; a rerun changes nothing, another history is refused, and a restart opens
 * the seeded group again.
 */
class SourceReverseStepsTest {
    private static final long PROMOTED_SEQ = 5;
    private static final long ORIGINAL = 0x1111L;
    private static final GenerationHistory PROMOTED = new GenerationHistory(0x2222L,
            List.of(new EndedGeneration(ORIGINAL, PROMOTED_SEQ, false)));

    @TempDir
    Path dataDir;
    private SourceGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private SourceGateway start() throws Exception {
        return start(64L << 20);
    }

    private SourceGateway start(long journalMaxBytes) throws Exception {
        // No target here: the shippers keep trying port 1 with backoff.
        return SourceGateway.start(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                ShipperConfig.builder("127.0.0.1", 1).build()).pairId("pair-a").journalMaxBytes(journalMaxBytes)
                .build(), new SimpleMeterRegistry(), InstantSource.system());
    }

    @Test
    void theRunningGatewaySeedsAndOpensTheGroupContinuingThePromotedHistoryOnce() throws Exception {
        gateway = start();
        Path group = dataDir.resolve("cg-" + TestTap.CG);

        String seeded = gateway.seedReverse("pair-a", TestTap.CG, List.of(TestTap.DISK), PROMOTED, PROMOTED_SEQ);

        assertThat(seeded).contains("continues the promoted history from seq " + PROMOTED_SEQ)
                .contains("open in this source gateway");
        assertThat(gateway.consistencyGroup(TestTap.CG)).isPresent();
        assertThat(Files.exists(group.resolve(TapResyncRequest.FILE_NAME))).as("the tap owes the reported resync")
                .isTrue();
        GenerationHistory opened = GenerationLog.read(group.resolve(GenerationLog.FILE_NAME));
        assertThat(opened.contains(PROMOTED.current())).as("%s continues %s", opened, PROMOTED).isTrue();
        assertThat(opened.earlier()).anyMatch(e -> e.id() == ORIGINAL && e.endSeq() == PROMOTED_SEQ
                && e.discardsReplica());
        assertThat(gateway.reverseRoom(TestTap.CG)).isEqualTo("it holds consistency group " + TestTap.CG
                + " already");

        assertThat(gateway.seedReverse("pair-a", TestTap.CG, List.of(TestTap.DISK), PROMOTED, PROMOTED_SEQ))
                .contains("continues the promoted history already");
        assertThat(GenerationLog.read(group.resolve(GenerationLog.FILE_NAME))).isEqualTo(opened);

        GenerationHistory another = new GenerationHistory(0x3333L, List.of(new EndedGeneration(ORIGINAL,
                PROMOTED_SEQ, false)));
        assertThatThrownBy(() -> gateway.seedReverse("pair-a", TestTap.CG, List.of(TestTap.DISK), another,
                PROMOTED_SEQ)).isInstanceOf(IllegalStateException.class).hasMessageContaining("holds another history");
        assertThatThrownBy(() -> gateway.seedReverse("pair-b", TestTap.CG + 1, List.of(TestTap.DISK), PROMOTED,
                PROMOTED_SEQ)).isInstanceOf(IllegalStateException.class).hasMessageContaining("serves pair pair-a");
        assertThatThrownBy(() -> gateway.seedReverse("pair-a", TestTap.CG + 1, List.of(TestTap.DISK), PROMOTED,
                PROMOTED_SEQ + 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a promoted history");
        assertThat(gateway.consistencyGroup(TestTap.CG + 1)).isEmpty();

        gateway.close();
        gateway = start();
        assertThat(gateway.consistencyGroup(TestTap.CG)).as("opened again at the start").isPresent();
        assertThat(GenerationLog.read(group.resolve(GenerationLog.FILE_NAME)).contains(PROMOTED.current())).isTrue();
    }

    @Test
    void roomForANewGroupNotForOneHeldNorForAJournalPastTheFreeSpace() throws Exception {
        gateway = start(64L << 20);
        assertThat(gateway.reverseRoom(TestTap.CG)).isNull();
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-a"));
            tap.next(HelloAck.class);
            assertThat(gateway.reverseRoom(TestTap.CG)).isEqualTo("it holds consistency group " + TestTap.CG
                    + " already");
        }
        gateway.close();

        gateway = start(1L << 60);
        assertThat(gateway.reverseRoom(TestTap.CG)).isEqualTo("it holds consistency group " + TestTap.CG + " already");
        assertThat(gateway.reverseRoom(TestTap.CG + 1)).contains("bytes free, a group's journal (--journal-max) may "
                + "take " + (1L << 60));
    }
}
