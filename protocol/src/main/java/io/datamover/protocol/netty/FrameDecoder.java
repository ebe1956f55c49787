package io.datamover.protocol.netty;

import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Turns a byte stream into {@link Frame}s. A state machine in the manner of Netty's own decoders:
 * it waits for whole headers and payloads, checks every bound before waiting for more bytes, and
 * after the first error turns CORRUPTED and discards everything that follows. The error reaches
 * the pipeline as an exception whose cause is a {@link ProtocolException}; the next handler sends
 * ERROR, counts it and closes the connection.
 *
 * <p>A decoder made by {@link #untilHandshake} holds every frame to {@link FrameLimits#HANDSHAKE} until the session
 * calls {@link #handshakeAccepted}: a peer that has not been accepted is refused on the length its header declares,
 * before the payload is buffered, so it can never make the gateway hold more than a HELLO (plus the one socket read
 * Netty has in hand). Until then it decodes one frame per call, so the session sees the HELLO (or HELLO_ACK) and can
 * raise the bound before the next frame is decoded. Netty's cumulation buffer follows: a refused stream is dropped as
 * it arrives, and an accepted one is consumed frame by frame, so the cumulation never holds more than a header, the
 * bound and one socket read (the default receive allocator reads at most 64 KiB at a time).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final FrameLimits streamingLimits;
    // Event loop only: the bound in force, and whether the session has yet to accept the handshake.
    private FrameLimits limits;
    private boolean awaitingHandshake;
    private boolean corrupted;

    /** A decoder that holds every frame to {@code limits} from the first byte (tests, trusted tools). */
    public FrameDecoder(FrameLimits limits) {
        this(limits, limits, false);
    }

    private FrameDecoder(FrameLimits initialLimits, FrameLimits streamingLimits, boolean awaitingHandshake) {
        this.limits = initialLimits;
        this.streamingLimits = streamingLimits;
        this.awaitingHandshake = awaitingHandshake;
    }

    /** A decoder bounded to {@link FrameLimits#HANDSHAKE} until {@link #handshakeAccepted}, then to {@code limits}. */
    public static FrameDecoder untilHandshake(FrameLimits limits) {
        return new FrameDecoder(FrameLimits.HANDSHAKE, limits, true);
    }

    /** Raises the bound to the streaming limits; on the event loop, once the handshake is accepted. */
    public void handshakeAccepted() {
        limits = streamingLimits;
        awaitingHandshake = false;
    }

    /** {@link #handshakeAccepted} on the frame decoder of {@code pipeline}, if it has one. */
    public static void handshakeAccepted(ChannelPipeline pipeline) {
        FrameDecoder decoder = pipeline.get(FrameDecoder.class);
        if (decoder != null) {
            decoder.handshakeAccepted();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws ProtocolException {
        if (corrupted) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            Frame frame;
            while ((frame = FrameCodec.decode(in, limits)) != null) {
                out.add(frame);
                if (ctx.isRemoved() || awaitingHandshake) {
                    return;
                }
            }
        } catch (ProtocolException e) {
            corrupted = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws ProtocolException {
        decode(ctx, in, out);
        if (!corrupted && in.isReadable()) {
            corrupted = true;
            ProtocolException e = FrameCodec.truncated(in);
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
