package io.datamover.protocol;

import io.datamover.protocol.netty.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * A gateway's inbound path on an {@link EmbeddedChannel}: {@link FrameDecoder}, then a consumer that does what the
 * session handlers do with each frame (negotiate a HELLO, open a batch body, check a write's payload CRC) and closes
 * the connection on the first {@link ProtocolException}. {@link #feed} throws whenever hostile bytes get anything
 * but frames or a protocol error: an unchecked exception, a leaked buffer, an allocation the input cannot justify,
 * or a frame delivered after the decoder refused the stream.
 */
final class DecodingPipeline {
    static final FrameLimits LIMITS = FrameLimits.DEFAULT;

    private DecodingPipeline() {}

    /** Feeds {@code stream} in chunks chosen by {@code chunking} (see {@link FuzzInputs#writeInChunks}). */
    static Outcome feed(byte[] stream, int chunking) {
        RecordingAllocator alloc = new RecordingAllocator();
        Consumer consumer = new Consumer();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new FrameDecoder(LIMITS), consumer);
        FuzzInputs.writeInChunks(channel, stream, chunking);
        channel.finishAndReleaseAll();
        consumer.rethrowUnexpected();
        if (alloc.unreleased() != 0) {
            throw new IllegalStateException(alloc.unreleased() + " buffers still referenced after the channel closed");
        }
        // A batch may claim up to LZ4's ratio times its body; nothing may claim more than the input can back.
        long justified = (long) Batch.LZ4_MAX_RATIO * stream.length + 4096;
        if (alloc.largestRequest() > justified) {
            throw new IllegalStateException("allocated " + alloc.largestRequest() + " bytes for a " + stream.length
                    + "-byte input");
        }
        return new Outcome(consumer.frames, consumer.refusal);
    }

    /** What the connection saw: frames accepted before the first refusal, and that refusal (null if none). */
    record Outcome(int frames, ProtocolException refusal) {}

    /** The session handler's part: consume frames until the first protocol error, then close. */
    private static final class Consumer extends ChannelInboundHandlerAdapter {
        private int frames;
        private ProtocolException refusal;
        private boolean decoderFailed;
        private Throwable unexpected;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame frame = (Frame) msg;
            try {
                if (decoderFailed) {
                    throw new IllegalStateException(frame.type() + " frame delivered after the decoder refused the stream");
                }
                if (refusal == null) {
                    consume(frame, ctx);
                    frames++;
                }
            } catch (ProtocolException e) {
                refuse(ctx, e);
            } finally {
                ReferenceCountedFrames.release(frame);
            }
        }

        private static void consume(Frame frame, ChannelHandlerContext ctx) throws ProtocolException {
            switch (frame) {
                case Hello hello -> Handshake.negotiate(hello, 0);
                case Batch batch -> BatchBodies.open(batch, LIMITS, ctx.alloc()).forEach(BlockWrite::release);
                case WriteRecord record -> {
                    if (!record.write().payloadCrcMatches()) {
                        throw new IllegalStateException("the decoder passed a write whose payload fails its CRC");
                    }
                }
                default -> { }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ProtocolException violation = ProtocolException.findIn(cause);
            if (violation == null) {
                unexpected = unexpected == null ? cause : unexpected;
                ctx.channel().eventLoop().execute(ctx::close);
                return;
            }
            decoderFailed = true;
            refuse(ctx, violation);
        }

        /** Like the session handlers, closes from a task: frames already decoded still arrive and are dropped. */
        private void refuse(ChannelHandlerContext ctx, ProtocolException e) {
            refusal = refusal == null ? e : refusal;
            ctx.channel().eventLoop().execute(ctx::close);
        }

        void rethrowUnexpected() {
            if (unexpected instanceof RuntimeException e) {
                throw e;
            }
            if (unexpected instanceof Error e) {
                throw e;
            }
            if (unexpected != null) {
                throw new IllegalStateException("unexpected exception from the pipeline", unexpected);
            }
        }
    }

    /** Header and CRC around {@code body} as an honest encoder would write them, whatever the body holds. */
    static void writeEnvelope(ByteBuf out, int typeCode, int flags, byte[] body) {
        int start = out.writerIndex();
        out.writeInt(Wire.MAGIC).writeByte(Wire.FRAME_VERSION).writeByte(typeCode).writeShort(flags)
                .writeInt(body.length).writeInt(0).writeBytes(body);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        Crc32c.update(crc, out, start, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, out, start + Wire.HEADER_LENGTH, body.length);
        out.setInt(start + Wire.OFFSET_CRC, (int) crc.getValue());
    }
}
