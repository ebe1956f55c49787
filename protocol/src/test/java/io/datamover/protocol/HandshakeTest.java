package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HandshakeTest {
    private static final List<DiskInfo> DISK = List.of(new DiskInfo(0, "vda", 1 << 20, 512));

    private static Hello offering(int min, int max, long features) {
        return new Hello(min, max, features, Role.TAP, "tap-1", "pair-1", 1, "cg", DISK);
    }

    @Test
    void agreesOnTheHighestCommonRevisionAndTheCommonFeatures() throws ProtocolException {
        Handshake.Agreement a = Handshake.negotiate(offering(1, 5, Feature.all() | (1L << 40)), 1, 3,
                Feature.LZ4_BATCHES.mask(), 0);
        assertThat(a.protocol()).isEqualTo(3);
        assertThat(a.features()).isEqualTo(Feature.LZ4_BATCHES.mask());
        assertThat(a.has(Feature.PAYLOAD_CRC)).isFalse();
    }

    @Test
    void aThickReplicaRequestIsNeverOfferedAsACapabilityNorAgreedButTheReceiverReadsIt() throws ProtocolException {
        assertThat(Feature.THICK_REPLICA.in(Feature.all())).isFalse();
        Hello asking = offering(1, 2, Feature.all()).requesting(Feature.THICK_REPLICA, true);
        assertThat(asking.features()).isEqualTo(Feature.all() | Feature.THICK_REPLICA.mask());
        assertThat(Handshake.negotiate(asking, 0).has(Feature.THICK_REPLICA)).isFalse();
        assertThat(offering(1, 2, Feature.all()).requesting(Feature.THICK_REPLICA, false).features())
                .isEqualTo(Feature.all());
    }

    @Test
    void refusesDisjointRevisions() {
        assertThatThrownBy(() -> Handshake.negotiate(offering(4, 6, Feature.all()), 1, 3, Feature.all(), 0))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE))
                .hasMessageContaining("upgrade");
    }

    @Test
    void refusesAPeerWithoutARequiredFeature() {
        assertThatThrownBy(() -> Handshake.negotiate(offering(1, 1, 0), Feature.PAYLOAD_CRC.mask()))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE));
    }

    @Test
    void helloRefusesDuplicateDisksAndBadIdentities() {
        assertThatThrownBy(() -> new Hello(1, 1, 0, Role.TAP, "tap-1", "pair-1", 1, "cg",
                List.of(new DiskInfo(0, "a", 1, 512), new DiskInfo(0, "b", 1, 512))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Hello(1, 1, 0, Role.TAP, "tap 1", "pair-1", 1, "cg", DISK))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("senderId");
        // Disk names become file names at the receiver: no path separators, no leading dot.
        for (String name : List.of("../etc/passwd", "a/b", ".hidden", "")) {
            assertThatThrownBy(() -> new DiskInfo(0, name, 1, 512))
                    .as(name).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("disk name");
        }
    }
}
