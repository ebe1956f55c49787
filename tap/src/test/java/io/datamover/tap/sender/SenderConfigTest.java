package io.datamover.tap.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Feature;
import java.util.List;
import org.junit.jupiter.api.Test;

class SenderConfigTest {
    private static SenderConfig.Builder valid() {
        return SenderConfig.builder("gateway.example", 7000)
                .identity("tap-1", "pair-1")
                .consistencyGroup(1, "vm-1", List.of(new DiskInfo(0, "root", 1L << 30, 4096)));
    }

    @Test
    void defaultsAreValidAndWaterMarksFollowTheWindow() {
        SenderConfig config = valid().windowBytes(1 << 20).build();
        assertThat(config.writeBufferHighWaterMarkBytes()).isEqualTo(256 << 10);
        assertThat(config.writeBufferLowWaterMarkBytes()).isEqualTo(128 << 10);
        assertThat(valid().build().writeBufferHighWaterMarkBytes()).isEqualTo(16 << 20);
        assertThat(config.hello().disks()).hasSize(1);
        assertThat(config.link().ackTimeoutMs()).isEqualTo(60_000); // an 8 MiB batch on about 1.2 Mbit/s
    }

    @Test
    void theTapRetriesItsSitesGatewaysAtLeastOnceASecondSoATakeoverIsFoundQuickly() {
        SenderConfig config = valid().link(l -> l.withAckTimeoutMs(5_000)).build();
        assertThat(config.link().reconnectMaxDelayMs()).isEqualTo(1_000);
        assertThat(config.link().reconnectInitialDelayMs()).isEqualTo(100);
        assertThat(config.link().ackTimeoutMs()).isEqualTo(5_000);
    }

    @Test
    void aThickReplicaIsAskedForOnlyWhenConfigured() {
        assertThat(Feature.THICK_REPLICA.in(valid().build().hello().features())).isFalse();
        assertThat(Feature.THICK_REPLICA.in(valid().thickReplica(true).build().hello().features())).isTrue();
    }

    @Test
    void everyBadValueIsRefusedWithItsName() {
        assertThatThrownBy(() -> valid().windowBytes(1024).build()).hasMessageContaining("windowBytes");
        assertThatThrownBy(() -> SenderConfig.builder("h", 0).build()).hasMessageContaining("port must be 1..65535");
        assertThatThrownBy(() -> SenderConfig.builder(List.of()).build()).hasMessageContaining("gateway address");
        assertThatThrownBy(() -> valid().link(l -> l.withReconnect(100, 50, 0)).build()).hasMessageContaining("reconnectMaxDelayMs");
        assertThatThrownBy(() -> valid().link(l -> l.withReconnect(100, 200, 1.5)).build()).hasMessageContaining("reconnectJitterRatio");
        assertThatThrownBy(() -> valid().link(l -> l.withLiveness(1_000, 1_000)).build()).hasMessageContaining("readIdleTimeoutMs");
        assertThatThrownBy(() -> valid().link(l -> l.withAckTimeoutMs(0)).build()).hasMessageContaining("ackTimeoutMs");
        assertThatThrownBy(() -> valid().writeBufferWaterMarks(10, 5).build())
                .hasMessageContaining("writeBufferLowWaterMarkBytes");
        assertThatThrownBy(() -> valid().identity("bad id", "pair").build()).hasMessageContaining("senderId");
    }

    @Test
    void theDefaultWindowIsAQuarterOfDirectMemoryBetweenTheMinimumAndOneGib() {
        assertThat(SenderConfig.defaultWindowBytes(256L << 20)).isEqualTo(64L << 20);
        assertThat(SenderConfig.defaultWindowBytes(6L << 30)).isEqualTo(1L << 30);
        assertThat(SenderConfig.defaultWindowBytes(0)).isEqualTo(SenderConfig.MIN_WINDOW_BYTES);
    }
}
