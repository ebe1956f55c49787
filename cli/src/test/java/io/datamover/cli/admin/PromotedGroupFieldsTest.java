package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaState;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The promoted group's identity carried from the recovery site's target gateway to its source gateway: what one
 * writes the other reads back whole, and a damaged field is refused naming it.
 */
class PromotedGroupFieldsTest {
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(0, "vm42-root", 32L << 20, 4096),
            new DiskInfo(3, "data:1.b", 1L << 40, 512));
    private static final GenerationHistory PROMOTED = new GenerationHistory(0xfeedL, List.of(
            new EndedGeneration(0xbeefL, 812, false), new EndedGeneration(0xcafeL, 10, true)));

    @Test
    void whatTheTargetGatewayWritesTheSourceGatewayReadsBackWhole() {
        ReplicaMetadata stamp = new ReplicaMetadata("pair-a", 1, DISKS, List.of(ReplicaState.PROMOTED,
                ReplicaState.PROMOTED), 812, PROMOTED);

        PromotedGroupFields.Promoted read = PromotedGroupFields.parse(fields(PromotedGroupFields.lines(stamp)));

        assertThat(read).isEqualTo(new PromotedGroupFields.Promoted("pair-a", 812, PROMOTED, DISKS));
    }

    @Test
    void aMissingOrDamagedFieldIsRefusedNamingIt() {
        ReplicaMetadata stamp = new ReplicaMetadata("pair-a", 1, DISKS, List.of(ReplicaState.PROMOTED,
                ReplicaState.PROMOTED), 812, PROMOTED);
        Map<String, String> fields = fields(PromotedGroupFields.lines(stamp));

        Map<String, String> noDisks = new HashMap<>(fields);
        noDisks.remove("disks");
        assertThatThrownBy(() -> PromotedGroupFields.parse(noDisks)).hasMessageStartingWith("reverse/seed needs disks=");
        Map<String, String> cut = new HashMap<>(fields);
        cut.put("history", fields.get("history").substring(0, 20));
        assertThatThrownBy(() -> PromotedGroupFields.parse(cut)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("history");
        Map<String, String> badDisk = new HashMap<>(fields);
        badDisk.put("disks", "0/4096/vm42-root");
        assertThatThrownBy(() -> PromotedGroupFields.parse(badDisk))
                .hasMessage("a disk must be id/blockSize/sizeBytes/name, got 0/4096/vm42-root");
    }

    private static Map<String, String> fields(String lines) {
        Map<String, String> fields = new HashMap<>();
        lines.lines().forEach(line -> fields.put(line.substring(0, line.indexOf('=')),
                line.substring(line.indexOf('=') + 1)));
        return fields;
    }
}
