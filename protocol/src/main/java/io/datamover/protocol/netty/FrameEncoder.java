package io.datamover.protocol.netty;

import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.PayloadHolder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes {@link Frame}s. The header and fixed fields go in a small buffer; a write's payload or a
 * batch's body follows as a retained slice, never copied. Frames written here are released by
 * Netty once encoded, as for any reference-counted message.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    /** Enough for the fixed part of any frame; small frames never grow the buffer. */
    private static final int HEAD_CAPACITY = 128;

    public FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        ByteBuf head = ctx.alloc().ioBuffer(HEAD_CAPACITY);
        try {
            ByteBuf bulk = FrameCodec.encodeHead(frame, head);
            out.add(head);
            head = null;
            if (bulk != null && bulk.isReadable() && frame instanceof PayloadHolder) {
                out.add(bulk.retainedSlice());
            }
        } finally {
            if (head != null) {
                head.release();
            }
        }
    }
}
