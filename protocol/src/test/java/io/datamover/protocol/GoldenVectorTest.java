package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The byte-exact wire format, pinned: each sample frame must encode to the checked-in vector in
 * src/test/resources/golden, each vector must decode to the sample, and docs/protocol.md must show
 * the same bytes. To change the format on purpose, bump the version where needed, run once with
 * {@code -Dgolden.update=true}, and copy the new vectors into docs/protocol.md.
 */
class GoldenVectorTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final Path DOC = Path.of("../docs/protocol.md");
    private static final Pattern DOC_VECTOR =
            Pattern.compile("<!-- golden: ([a-z0-9-]+) -->\\s*```[a-z]*\\n(.*?)```", Pattern.DOTALL);

    private final Map<String, Frame> samples = SampleFrames.all();

    @AfterEach
    void release() {
        samples.values().forEach(ReferenceCountedFrames::release);
    }

    @Test
    void samplesEncodeToTheGoldenVectors() throws IOException {
        boolean update = Boolean.getBoolean("golden.update");
        for (var sample : samples.entrySet()) {
            ByteBuf bytes = SampleFrames.encode(sample.getValue());
            String hex = hexLines(bytes);
            bytes.release();
            Path file = GOLDEN.resolve(sample.getKey() + ".hex");
            if (update) {
                Files.writeString(file, hex);
            }
            assertThat(file).as("golden vector for " + sample.getKey()).exists();
            assertThat(normalize(Files.readString(file))).as(sample.getKey()).isEqualTo(normalize(hex));
        }
    }

    @Test
    void goldenVectorsDecodeToTheSamples() throws IOException, ProtocolException {
        for (var sample : samples.entrySet()) {
            ByteBuf bytes = Unpooled.wrappedBuffer(
                    ByteBufUtil.decodeHexDump(normalize(Files.readString(GOLDEN.resolve(sample.getKey() + ".hex")))));
            Frame decoded = FrameCodec.decodeComplete(bytes, FrameLimits.DEFAULT);
            try {
                assertThat(decoded).as(sample.getKey()).isEqualTo(sample.getValue());
            } finally {
                ReferenceCountedFrames.release(decoded);
                bytes.release();
            }
        }
    }

    @Test
    void protocolDocShowsExactlyTheGoldenVectors() throws IOException {
        Map<String, String> inDoc = new LinkedHashMap<>();
        Matcher m = DOC_VECTOR.matcher(Files.readString(DOC));
        while (m.find()) {
            inDoc.put(m.group(1), normalize(m.group(2)));
        }
        assertThat(inDoc.keySet()).as("vectors shown in docs/protocol.md").containsExactlyInAnyOrderElementsOf(
                samples.keySet());
        for (String name : samples.keySet()) {
            assertThat(inDoc.get(name)).as("docs/protocol.md vector " + name)
                    .isEqualTo(normalize(Files.readString(GOLDEN.resolve(name + ".hex"))));
        }
    }

    /** Hex, 16 bytes a line, as shown in the docs. */
    static String hexLines(ByteBuf bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
            int col = (i - bytes.readerIndex()) % 16;
            if (col > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", bytes.getUnsignedByte(i)));
            if (col == 15 || i == bytes.writerIndex() - 1) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String normalize(String hex) {
        return hex.replaceAll("\\s+", "").toLowerCase();
    }
}
