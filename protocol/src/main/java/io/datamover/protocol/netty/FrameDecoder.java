package io.datamover.protocol.netty;

import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Turns a byte stream into {@link Frame}s. A state machine in the manner of Netty's own decoders:
 * it waits for whole headers and payloads, checks every bound before waiting for more bytes, and
 * after the first error turns CORRUPTED and discards everything that follows. The error reaches
 * the pipeline as an exception whose cause is a {@link ProtocolException}; the next handler sends
 * ERROR, counts it and closes the connection.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final FrameLimits limits;
    private boolean corrupted;

    public FrameDecoder(FrameLimits limits) {
        this.limits = limits;
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
                if (ctx.isRemoved()) {
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
