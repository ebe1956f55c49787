package io.datamover.tap.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ZeroBlocksTest {

    @Test
    void runsCoverExactlyTheBlocksHoldingANonZeroByte() {
        ByteBuffer data = ByteBuffer.allocateDirect(10 * 4096 + 100);
        data.put(0, (byte) 1);                 // block 0
        data.put(4096 + 4095, (byte) 2);       // block 1, last byte: joins block 0
        data.put(5 * 4096 + 17, (byte) 3);     // block 5 alone
        data.put(10 * 4096 + 99, (byte) 4);    // the short last block
        assertThat(ZeroBlocks.nonZeroRuns(data)).containsExactly(new ZeroBlocks.Run(0, 2 * 4096),
                new ZeroBlocks.Run(5 * 4096, 4096), new ZeroBlocks.Run(10 * 4096, 100));
    }

    @Test
    void anAllZeroBufferHasNoRun() {
        assertThat(ZeroBlocks.nonZeroRuns(ByteBuffer.allocate(1 << 20))).isEmpty();
    }
}
