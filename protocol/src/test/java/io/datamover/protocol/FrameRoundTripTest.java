package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameRoundTripTest {
    private final Map<String, Frame> samples = SampleFrames.all();

    @AfterEach
    void release() {
        samples.values().forEach(ReferenceCountedFrames::release);
    }

    @Test
    void everyFrameTypeIsCovered() {
        assertThat(samples.values().stream().map(Frame::type).distinct())
                .containsExactlyInAnyOrder(FrameType.values());
    }

    @Test
    void everyFrameSurvivesEncodeAndDecode() throws ProtocolException {
        for (var sample : samples.entrySet()) {
            ByteBuf bytes = SampleFrames.encode(sample.getValue());
            try {
                assertThat(bytes.readableBytes()).as(sample.getKey())
                        .isEqualTo(FrameCodec.encodedLength(sample.getValue()));
                Frame decoded = FrameCodec.decodeComplete(bytes, FrameLimits.DEFAULT);
                try {
                    assertThat(decoded).as(sample.getKey()).isEqualTo(sample.getValue());
                } finally {
                    ReferenceCountedFrames.release(decoded);
                }
            } finally {
                bytes.release();
            }
        }
    }

    @Test
    void nettyPipelineCarriesEveryFrameEvenOneByteAtATime() {
        EmbeddedChannel sender = new EmbeddedChannel(new FrameEncoder());
        EmbeddedChannel receiver = new EmbeddedChannel(new FrameDecoder(FrameLimits.DEFAULT));
        for (Frame f : samples.values()) {
            if (f instanceof PayloadHolder p) {
                p.retain(); // the encoder releases what it writes; the sample stays ours
            }
            assertThat(sender.writeOutbound(f)).isTrue();
        }
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf part; (part = sender.readOutbound()) != null; ) {
            wire.writeBytes(part);
            part.release();
        }
        while (wire.isReadable()) {
            receiver.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();

        List<Frame> received = new ArrayList<>();
        for (Frame f; (f = receiver.readInbound()) != null; ) {
            received.add(f);
        }
        try {
            assertThat(received).containsExactlyElementsOf(samples.values());
        } finally {
            received.forEach(ReferenceCountedFrames::release);
            assertThat(sender.finishAndReleaseAll()).isFalse();
            assertThat(receiver.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void batchBodiesOpenToTheEntriesTheyWereBuiltFrom() throws ProtocolException {
        List<BlockWrite> expected = SampleFrames.batchEntries();
        try {
            for (String name : List.of("batch-raw", "batch-lz4")) {
                Batch batch = (Batch) samples.get(name);
                List<BlockWrite> entries = BatchBodies.open(batch, FrameLimits.DEFAULT, Unpooled.buffer().alloc());
                try {
                    assertThat(entries).as(name).containsExactlyElementsOf(expected);
                    assertThat(entries).allMatch(BlockWrite::payloadCrcMatches);
                } finally {
                    entries.forEach(BlockWrite::release);
                }
            }
            assertThat(((Batch) samples.get("batch-lz4")).compression()).isEqualTo(Compression.LZ4);
            assertThat(((Batch) samples.get("batch-raw")).compression()).isEqualTo(Compression.NONE);
        } finally {
            expected.forEach(BlockWrite::release);
        }
    }
}
