package io.datamover.gateway.target;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A planned migration's check of room for the reverse direction at the original site's target gateway: a group it
 * holds is no room, a spool bound past what its data directory's file system has free is no room either.
 */
class TargetReverseRoomTest extends TargetGatewayFixture {
    @Test
    void roomForANewGroupNotForOneHeldNorForASpoolPastTheFreeSpace() throws Exception {
        start();
        assertThat(gateway.reverseRoom(CG)).isNull();
        connect(); // the handshake opens the group: its replica set is created
        assertThat(gateway.reverseRoom(CG)).isEqualTo("it holds consistency group " + CG + " already");
        assertThat(gateway.reverseRoom(CG + 1)).isNull();

        start(config -> config.spoolMaxBytes(1L << 60));
        assertThat(gateway.reverseRoom(CG + 1)).contains("bytes free, a group's spool (--spool-max) may take "
                + (1L << 60));
        assertThat(gateway.reverseRoom(CG)).isEqualTo("it holds consistency group " + CG + " already");
    }
}
