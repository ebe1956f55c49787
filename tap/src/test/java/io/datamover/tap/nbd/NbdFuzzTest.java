package io.datamover.tap.nbd;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Hostile NBD clients against the tap's connection pipeline ({@link NbdServerPipeline}): whatever the bytes, the
 * tap answers with NBD replies or closes the connection; no exception escapes, nothing leaks, nothing is sized by
 * a client's claim. In a normal build these replay the inputs under {@code NbdFuzzTestInputs/} (regression mode);
 * with {@code JAZZER_FUZZ=1} they fuzz (docs/fuzzing.md). Every input is a chunking byte (see
 * {@link NbdServerPipeline#feed}) then what the client sends.
 */
class NbdFuzzTest {
    static {
        // Every refused option or request logs a line; at tens of thousands of runs a second that is all the
        // fuzzer would do. Only while fuzzing, so a normal build keeps its logging as configured.
        if (System.getenv("JAZZER_FUZZ") != null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.datamover.tap.nbd", "error");
        }
    }

    /** From the client flags on: option haggling, then (after GO or EXPORT_NAME) transmission-phase requests. */
    @FuzzTest(maxDuration = "3m")
    void clientStream(byte[] input) throws Exception {
        if (input.length > 0) {
            NbdServerPipeline.feed(Arrays.copyOfRange(input, 1, input.length), input[0] & 0xFF);
        }
    }

    /**
     * Transmission-phase requests only: the input follows a fixed, valid handshake (flags, GO on "disk0"), so
     * the fuzzer spends its time on the request decoder and validator rather than on finding a GO.
     */
    @FuzzTest(maxDuration = "3m")
    void requests(byte[] input) throws Exception {
        if (input.length > 0) {
            byte[] handshake = NbdFuzzSeedsTest.goOnDisk0();
            byte[] stream = Arrays.copyOf(handshake, handshake.length + input.length - 1);
            System.arraycopy(input, 1, stream, handshake.length, input.length - 1);
            NbdServerPipeline.feed(stream, input[0] & 0xFF);
        }
    }
}
