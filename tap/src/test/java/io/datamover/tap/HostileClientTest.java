package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.RawNbdClient;
import io.datamover.tap.support.RawNbdClient.OptionReply;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile input over raw sockets gets a clean error or a close, and never disturbs a real client. */
class HostileClientTest extends TapTestBase {

    private static final int SIZE = 1 << 20;
    private static final int MAX_REQUEST = 64 << 10;
    private static final int REP_ACK = 1;
    private static final int REP_ERR_UNSUP = 0x80000001;
    private static final int REP_ERR_TOO_BIG = 0x80000009;
    private static final int EINVAL = 22;
    private static final int ENOSPC = 28;


    @BeforeEach
    void start() throws Exception {
        fixture.serve(fixture.config().maxRequestBytes(MAX_REQUEST).maxInFlightBytesPerConnection(1 << 20)
                .maxPendingHandoffBytes(1 << 20), SIZE, "disk0");
    }

    @Test
    void garbageInsteadOfAnOptionClosesTheConnection() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.startHaggling();
            client.out.write("this is not NBD at all".getBytes());
            client.out.flush();
            assertThat(client.closedByServer()).isTrue();
        }
        assertProtocolErrorCounted("bad_option_magic");
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.readGreeting();
            client.out.writeInt(0xffffffff);
            client.out.flush();
            assertThat(client.closedByServer()).isTrue();
        }
        assertProtocolErrorCounted("bad_client_flags");
    }

    @Test
    void aHugeOptionLengthIsRefusedWithoutBeingBuffered() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.startHaggling();
            client.out.writeLong(RawNbdClient.IHAVEOPT);
            client.out.writeInt(7);
            client.out.writeInt(0x80000000);
            client.out.flush();
            OptionReply reply = client.readOptionReply();
            assertThat(reply.option()).isEqualTo(7);
            assertThat(reply.type()).isEqualTo(REP_ERR_TOO_BIG);
            assertThat(client.closedByServer()).isTrue();
        }
        assertProtocolErrorCounted("option_too_big");
    }

    @Test
    void aRequestBeforeNegotiationClosesTheConnection() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.startHaggling();
            try {
                client.sendRequest(0, 0, 1, 0, 4096);
            } catch (SocketException e) {
                // The tap may close on the request's first bytes, before the rest is written: the same verdict.
            }
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownOptionsAreUnsupportedAndHagglingGoesOn() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.startHaggling();
            client.sendOption(4242, new byte[] {1, 2, 3});
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_UNSUP);
            client.sendOption(3, new byte[0]);
            assertThat(client.readOptionReply().type()).isEqualTo(2);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void badRequestsGetErrorsAndTheConnectionStaysUsable() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.negotiate("disk0");

            client.sendRequest(0, 0, 1, SIZE - 512, 1024);
            assertThat(client.readSimpleReply(1)).as("read past the end").isEqualTo(EINVAL);

            client.sendRequest(0, 0, 2, -4096, 4096);
            assertThat(client.readSimpleReply(2)).as("offset near 2^64").isEqualTo(EINVAL);

            client.sendRequest(0, 1, 3, SIZE - 512, 1024);
            client.out.write(new byte[1024]);
            client.out.flush();
            assertThat(client.readSimpleReply(3)).as("write past the end").isEqualTo(ENOSPC);

            client.sendRequest(0, 1, 4, 0, 2L * MAX_REQUEST);
            client.out.write(new byte[2 * MAX_REQUEST]);
            client.out.flush();
            assertThat(client.readSimpleReply(4)).as("write longer than the maximum").isEqualTo(EINVAL);

            client.sendRequest(0, 99, 5, 0, 0);
            assertThat(client.readSimpleReply(5)).as("unknown command").isEqualTo(EINVAL);

            client.sendRequest(1 << 7, 0, 6, 0, 512);
            assertThat(client.readSimpleReply(6)).as("flag not valid for READ").isEqualTo(EINVAL);

            client.sendRequest(0, 7, 7, 0, 512);
            assertThat(client.readSimpleReply(7)).as("block status without a meta context").isEqualTo(EINVAL);

            client.sendRequest(0, 0, 8, 0, 512);
            assertThat(client.readSimpleReply(8)).as("a good read after all that").isZero();
            byte[] data = new byte[512];
            client.in.readFully(data);
            assertThat(data).containsOnly((byte) 0);
        }
        assertThat(fixture.sink.writes()).as("nothing invalid was written or streamed").isEmpty();
        assertProtocolErrorCounted("out_of_bounds");
        assertProtocolErrorCounted("request_too_big");
        assertProtocolErrorCounted("unknown_command");
    }

    @Test
    void aWriteClaimingGigabytesIsRefusedAtOnceAndItsPayloadNeverBuffered() throws Exception {
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.negotiate("disk0");
            client.sendRequest(0, 1, 9, 0, 0xffffffffL);
            assertThat(client.readSimpleReply(9)).isEqualTo(EINVAL);
        }
    }

    @Test
    void aRealClientIsUndisturbedByAHostileOneMidOption() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (RawNbdClient hostile = new RawNbdClient(fixture.tap.port())) {
            hostile.startHaggling();
            hostile.out.writeLong(RawNbdClient.IHAVEOPT);
            hostile.out.writeInt(7);
            hostile.out.writeInt(60_000);
            hostile.out.write(new byte[100]); // and then stalls, mid-option
            hostile.out.flush();

            Tools.Result result = Tools.run(Duration.ofSeconds(60), qemuIo(fixture.uri("disk0"),
                    "write -P 0x5a 0 64k", "read -P 0x5a 0 64k"));
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).doesNotContain("failed");
        }
    }

    private void assertProtocolErrorCounted(String reason) {
        assertThat(fixture.registry.counter("datamover.tap.protocol.errors", "reason", reason).count())
                .as("metric for " + reason).isPositive();
    }
}
