package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.RecordKind;
import io.datamover.tap.support.CapturingSink.Captured;
import io.datamover.tap.support.RawNbdClient;
import io.datamover.tap.support.TapTestBase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A WRITE_ZEROES or TRIM longer than one record can carry (up to 4 GiB - 1 in NBD, at most 2 GiB - 1 in a record)
 * is answered once, and streamed as consecutive records that cover exactly its range, in seq order.
 */
class LongRangeRequestTest extends TapTestBase {

    private static final long SIZE = (4L << 30) + (1 << 20);
    private static final long OFFSET = 64 << 10;
    private static final long LENGTH = (1L << 32) - 4096;
    private static final int CMD_READ = 0;
    private static final int CMD_WRITE_ZEROES = 6;
    private static final int CMD_FLAG_FUA = 1;

    @Test
    void aZeroWriteOfAlmost4GiBIsAnsweredOnceAndStreamedAsConsecutiveRecords() throws Exception {
        fixture.serve(fixture.config(), SIZE, "disk0");
        await().atMost(Duration.ofSeconds(30)).until(() -> !fixture.tap.initialSyncRunning());
        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.negotiate("disk0");
            client.sendRequest(CMD_FLAG_FUA, CMD_WRITE_ZEROES, 1, OFFSET, LENGTH);
            assertThat(client.readSimpleReply(1)).isZero();
            client.sendRequest(0, CMD_READ, 2, 0, 4096);
            assertThat(client.readSimpleReply(2)).as("the next reply answers the next request").isZero();
            client.in.readFully(new byte[4096]);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.sink.writes().size() >= 4);
        List<Captured> records = fixture.sink.writes();
        assertThat(records).extracting(Captured::kind).containsOnly(RecordKind.ZERO).hasSize(4);
        long end = OFFSET;
        for (int i = 0; i < records.size(); i++) {
            Captured record = records.get(i);
            assertThat(record.seq()).isEqualTo(records.get(0).seq() + i);
            assertThat(record.offset()).isEqualTo(end);
            end += record.length();
        }
        assertThat(end).as("the records cover the request exactly").isEqualTo(OFFSET + LENGTH);
    }
}
