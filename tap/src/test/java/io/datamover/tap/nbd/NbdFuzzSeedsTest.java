package io.datamover.tap.nbd;

import static io.datamover.protocol.FuzzInputs.bytes;
import static io.datamover.protocol.FuzzInputs.prefixed;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.FuzzInputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The hand-made seeds of {@link NbdFuzzTest}'s corpora: complete sessions (GO or EXPORT_NAME, every command, DISC),
 * structured replies with base:allocation, and the classic lies (4 GiB option and write lengths, truncations,
 * requests before negotiation). The files under {@code src/test/resources} are written by {@link #writeSeeds} on
 * request ({@code -Ddatamover.fuzz.writeSeeds=true}, docs/fuzzing.md); the other tests check that the seeds do what
 * their names say.
 */
class NbdFuzzSeedsTest {
    private static final Path INPUTS = Path.of("src/test/resources/io/datamover/tap/nbd/NbdFuzzTestInputs");
    private static final int CLIENT_FLAGS = Nbd.CLIENT_FLAG_FIXED_NEWSTYLE | Nbd.CLIENT_FLAG_NO_ZEROES;

    /** Client flags, then GO on "disk0": the handshake {@link NbdFuzzTest#requests} starts from. */
    static byte[] goOnDisk0() {
        return bytes(b -> go(b.writeInt(CLIENT_FLAGS), "disk0"));
    }

    static Map<String, byte[]> clientStreams() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] session = bytes(b -> everyCommand(go(b.writeInt(CLIENT_FLAGS), "disk0")));
        seeds.put("go-every-command-disc", prefixed(0, session));
        seeds.put("go-every-command-disc-chunked-by-5", prefixed(5, session));
        seeds.put("export-name-write-disc", prefixed(0, bytes(b -> {
            option(b.writeInt(CLIENT_FLAGS), Nbd.OPT_EXPORT_NAME, ascii("disk0"));
            request(b, 0, Nbd.CMD_WRITE, 0, 512, new byte[512]);
            request(b, 0, Nbd.CMD_DISC, 0, 0, null);
        })));
        seeds.put("structured-meta-context-block-status", prefixed(0, bytes(b -> {
            option(b.writeInt(CLIENT_FLAGS), Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            byte[] query = ascii(Nbd.BASE_ALLOCATION);
            ByteBuf meta = Unpooled.buffer().writeInt(5).writeBytes(ascii("disk0")).writeInt(1).writeInt(query.length)
                    .writeBytes(query);
            option(b, Nbd.OPT_SET_META_CONTEXT, ByteBufUtil.getBytes(meta));
            meta.release();
            ByteBuf goWithName = Unpooled.buffer().writeInt(5).writeBytes(ascii("disk0")).writeShort(1)
                    .writeShort(Nbd.INFO_NAME);
            option(b, Nbd.OPT_GO, ByteBufUtil.getBytes(goWithName));
            goWithName.release();
            request(b, Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 0, 65536, null);
            request(b, 0, Nbd.CMD_DISC, 0, 0, null);
        })));
        seeds.put("list-info-unknown-abort", prefixed(0, bytes(b -> {
            option(b.writeInt(CLIENT_FLAGS), Nbd.OPT_LIST, new byte[0]);
            option(b, Nbd.OPT_INFO, new byte[] {0, 0, 0, 0, 0, 0});
            option(b, 99, new byte[] {1, 2, 3});
            option(b, Nbd.OPT_LIST_META_CONTEXT, new byte[0]);
            option(b, Nbd.OPT_ABORT, new byte[0]);
        })));
        seeds.put("option-length-4GiB", prefixed(0, bytes(b -> b.writeInt(CLIENT_FLAGS).writeLong(Nbd.IHAVEOPT)
                .writeInt(Nbd.OPT_GO).writeInt(-1).writeZero(64))));
        seeds.put("go-name-longer-than-option", prefixed(0, bytes(b -> option(b.writeInt(CLIENT_FLAGS), Nbd.OPT_GO,
                new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'd', 0, 0}))));
        seeds.put("go-unknown-export", prefixed(0, bytes(b -> go(b.writeInt(CLIENT_FLAGS), "nope"))));
        seeds.put("truncated-go", prefixed(3, bytes(b -> b.writeInt(CLIENT_FLAGS).writeLong(Nbd.IHAVEOPT)
                .writeInt(Nbd.OPT_GO).writeInt(10).writeInt(5).writeByte('d'))));
        seeds.put("bad-client-flags", prefixed(0, bytes(b -> b.writeInt(-1))));
        seeds.put("request-before-negotiation", prefixed(0, bytes(b ->
                request(b.writeInt(CLIENT_FLAGS), 0, Nbd.CMD_READ, 0, 512, null))));
        return seeds;
    }

    /** Requests only, after {@link #goOnDisk0}. */
    static Map<String, byte[]> requestStreams() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("every-command-disc", prefixed(0, bytes(NbdFuzzSeedsTest::everyCommand)));
        seeds.put("every-command-bytewise", prefixed(1, bytes(NbdFuzzSeedsTest::everyCommand)));
        seeds.put("write-length-4GiB", prefixed(0, bytes(b -> request(b, 0, Nbd.CMD_WRITE, 0, 0xFFFF_FFFFL, new byte[100]))));
        seeds.put("write-one-over-the-limit", prefixed(0, bytes(b -> {
            request(b, 0, Nbd.CMD_WRITE, 0, NbdServerPipeline.MAX_REQUEST_BYTES + 1L, new byte[64]);
            b.writeZero(NbdServerPipeline.MAX_REQUEST_BYTES + 1 - 64);
            request(b, 0, Nbd.CMD_FLUSH, 0, 0, null);
        })));
        seeds.put("past-the-end-and-unsigned-offsets", prefixed(0, bytes(b -> {
            request(b, 0, Nbd.CMD_READ, NbdServerPipeline.EXPORT_BYTES - 1, 4096, null);
            request(b, 0, Nbd.CMD_WRITE, -1, 512, new byte[512]);
            request(b, 0, Nbd.CMD_TRIM, Long.MIN_VALUE, 4096, null);
            request(b, 0, Nbd.CMD_WRITE_ZEROES, NbdServerPipeline.EXPORT_BYTES, 1, null);
        })));
        seeds.put("unknown-command-and-flags", prefixed(0, bytes(b -> {
            request(b, 0, 99, 0, 0, null);
            request(b, 0xFFFF, Nbd.CMD_READ, 0, 512, null);
            request(b, 0, Nbd.CMD_BLOCK_STATUS, 0, 512, null);
            request(b, 0, Nbd.CMD_FLUSH, 4096, 1, null);
        })));
        seeds.put("bad-request-magic", prefixed(0, bytes(b -> b.writeBytes(ascii("GET / HTTP/1.1\r\nHost: tap\r\n\r\n")))));
        seeds.put("truncated-write", prefixed(2, bytes(b -> request(b, 0, Nbd.CMD_WRITE, 0, 4096, new byte[1000]))));
        return seeds;
    }

    private static ByteBuf everyCommand(ByteBuf b) {
        request(b, Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 0, 4096, new byte[4096]);
        request(b, 0, Nbd.CMD_READ, 0, 4096, null);
        request(b, 0, Nbd.CMD_TRIM, 4096, 4096, null);
        request(b, Nbd.CMD_FLAG_NO_HOLE, Nbd.CMD_WRITE_ZEROES, 8192, 4096, null);
        request(b, 0, Nbd.CMD_FLUSH, 0, 0, null);
        request(b, 0, Nbd.CMD_DISC, 0, 0, null);
        return b;
    }

    private static ByteBuf go(ByteBuf b, String export) {
        byte[] name = ascii(export);
        ByteBuf data = Unpooled.buffer().writeInt(name.length).writeBytes(name).writeShort(0);
        option(b, Nbd.OPT_GO, ByteBufUtil.getBytes(data));
        data.release();
        return b;
    }

    private static void option(ByteBuf b, int option, byte[] data) {
        b.writeLong(Nbd.IHAVEOPT).writeInt(option).writeInt(data.length).writeBytes(data);
    }

    private static void request(ByteBuf b, int flags, int type, long offset, long length, byte[] payload) {
        b.writeInt(Nbd.REQUEST_MAGIC).writeShort(flags).writeShort(type).writeLong(b.writerIndex())
                .writeLong(offset).writeInt((int) length);
        if (payload != null) {
            b.writeBytes(payload);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Map<String, Double> replay(byte[] seed) throws Exception {
        return NbdServerPipeline.feed(java.util.Arrays.copyOfRange(seed, 1, seed.length), seed[0] & 0xFF);
    }

    private static Map<String, Double> replayAfterGo(byte[] seed) throws Exception {
        byte[] go = goOnDisk0();
        byte[] stream = java.util.Arrays.copyOf(go, go.length + seed.length - 1);
        System.arraycopy(seed, 1, stream, go.length, seed.length - 1);
        return NbdServerPipeline.feed(stream, seed[0] & 0xFF);
    }

    @Test
    void validSessionsAreServedWithoutAProtocolError() throws Exception {
        for (String name : new String[] {"go-every-command-disc", "go-every-command-disc-chunked-by-5",
                "export-name-write-disc", "structured-meta-context-block-status"}) {
            assertThat(replay(clientStreams().get(name))).as(name).isEmpty();
        }
        assertThat(replayAfterGo(requestStreams().get("every-command-bytewise"))).isEmpty();
    }

    @Test
    void liesAreCountedByReason() throws Exception {
        assertThat(replay(clientStreams().get("option-length-4GiB"))).containsOnlyKeys("option_too_big");
        assertThat(replay(clientStreams().get("bad-client-flags"))).containsOnlyKeys("bad_client_flags");
        assertThat(replay(clientStreams().get("request-before-negotiation"))).containsOnlyKeys("bad_option_magic");
        assertThat(replayAfterGo(requestStreams().get("write-one-over-the-limit"))).containsOnlyKeys("request_too_big");
        assertThat(replayAfterGo(requestStreams().get("past-the-end-and-unsigned-offsets")))
                .containsOnlyKeys("out_of_bounds");
    }

    @Test
    @EnabledIfSystemProperty(named = "datamover.fuzz.writeSeeds", matches = "true")
    void writeSeeds() throws IOException {
        FuzzInputs.writeSeeds(INPUTS.resolve("clientStream"), clientStreams());
        FuzzInputs.writeSeeds(INPUTS.resolve("requests"), requestStreams());
    }

}
