package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.RawNbdClient;
import io.datamover.tap.support.RawNbdClient.SimpleReply;
import io.datamover.tap.support.TapTestBase;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that pipelines a whole burst of small reads on one connection, in one write, gets every one answered
 * with its data: the tap pauses reading the socket while it is busy and never refuses a valid request because of
 * its own queues (issue 14, finding 6: thousands of such reads were answered ESHUTDOWN).
 */
class PipelinedBurstTest extends TapTestBase {

    private static final int BLOCK = 1024;
    private static final int SIZE = 4 << 20;
    private static final int BLOCKS = SIZE / BLOCK;
    private static final int REQUESTS = 65_536;
    private static final int CMD_READ = 0;

    @Test
    void everyReadOfABurstOf65536IsAnsweredWithItsData() throws Exception {
        Path image = fixture.image("disk0", SIZE);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            for (int block = 0; block < BLOCKS; block++) {
                file.write(content(block));
            }
        }
        // The I/O queue is sized for every connection's allowance (maxConnections x 64 requests): with two
        // connections allowed it holds 128, far less than one socket read of this burst holds (up to 37,000 headers
        // in 1 MiB), as a default tap's 4,096 was for the client. Before the fix: 3,803 of the 65,536 reads
        // were answered ESHUTDOWN.
        fixture.start(fixture.config().maxConnections(2).export("disk0", image).build());

        try (RawNbdClient client = new RawNbdClient(fixture.tap.port())) {
            client.negotiate("disk0");
            // Replies are read while the burst is written: the tap answers as it reads, and a client that read
            // nothing until it had written 1.8 MB of requests would block both ends on full socket buffers.
            CompletableFuture<TreeMap<String, Integer>> replies = CompletableFuture.supplyAsync(() -> readReplies(client));
            ByteBuffer burst = ByteBuffer.allocate(REQUESTS * RawNbdClient.REQUEST_BYTES);
            for (int cookie = 0; cookie < REQUESTS; cookie++) {
                RawNbdClient.encodeRequest(burst, 0, CMD_READ, cookie, (long) (cookie % BLOCKS) * BLOCK, BLOCK);
            }
            client.out.write(burst.array());
            client.out.flush();

            TreeMap<String, Integer> outcomes = replies.get(120, TimeUnit.SECONDS);
            assertThat(outcomes).as("replies by outcome").containsExactly(Map.entry("ok", REQUESTS));
        }
        assertThat(fixture.registry.counter("datamover.tap.io.rejected").count()).isZero();
    }

    /** Reads {@link #REQUESTS} replies and counts them by outcome: ok, error N, wrong data, or a repeated cookie. */
    private static TreeMap<String, Integer> readReplies(RawNbdClient client) {
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        boolean[] answered = new boolean[REQUESTS];
        byte[] data = new byte[BLOCK];
        try {
            for (int i = 0; i < REQUESTS; i++) {
                SimpleReply reply = client.readSimpleReply();
                int cookie = (int) reply.cookie();
                String outcome;
                if (cookie < 0 || cookie >= REQUESTS || answered[cookie]) {
                    outcome = "unknown or repeated cookie";
                } else if (reply.error() != 0) {
                    outcome = "error " + reply.error();
                } else {
                    client.in.readFully(data);
                    outcome = Arrays.equals(data, content(cookie % BLOCKS)) ? "ok" : "wrong data";
                }
                if (cookie >= 0 && cookie < REQUESTS) {
                    answered[cookie] = true;
                }
                outcomes.merge(outcome, 1, Integer::sum);
            }
        } catch (Exception e) {
            outcomes.merge("no reply (" + e + ")", 1, Integer::sum);
        }
        return outcomes;
    }

    /** Block {@code block}'s known content: its number, then a pattern that differs from block to block. */
    private static byte[] content(int block) {
        byte[] bytes = new byte[BLOCK];
        ByteBuffer.wrap(bytes).putInt(block);
        for (int i = 4; i < BLOCK; i++) {
            bytes[i] = (byte) (block * 7 + i);
        }
        return bytes;
    }
}
