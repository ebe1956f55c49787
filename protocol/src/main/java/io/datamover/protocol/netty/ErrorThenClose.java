package io.datamover.protocol.netty;

import io.datamover.protocol.ErrorFrame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Sends an ERROR frame and closes the connection so that the peer gets to read it.
 *
 * <p>A plain close loses the frame when the peer is still sending (a tap streaming records when its gateway
 * refuses them with JOURNAL_FULL): the peer's next write fails on the closed socket, its Netty closes the channel
 * on that failure, and the ERROR frame waiting in its receive buffer is never read, so the peer takes the refusal
 * for a lost connection. Here, once the frame is written the output is shut down (the FIN follows the frame), and
 * whatever the peer still sends is read and dropped, never handed to the session, until the peer closes or
 * {@link #LINGER_MS} pass. For the gateways' server sides, whose peers stream to them; a client that finds its
 * gateway at fault closes at once and reconnects.
 */
public final class ErrorThenClose {
    /** How long a refused peer may go on sending before the connection is closed anyway. */
    static final long LINGER_MS = 5_000;
    private static final String HANDLER_NAME = "discard-after-error";

    private ErrorThenClose() {
    }

    /** Sends {@code error} and closes as above, from any thread; a second call on the same channel does nothing. */
    public static void send(Channel channel, ErrorFrame error) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> send(channel, error));
            return;
        }
        if (!channel.isActive() || channel.pipeline().get(HANDLER_NAME) != null) {
            return;
        }
        channel.pipeline().addFirst(HANDLER_NAME, new DiscardInbound());
        channel.config().setAutoRead(true); // a paused session still drains the peer, or the peer's writes block
        channel.writeAndFlush(error).addListener((ChannelFuture written) -> {
            if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                channel.eventLoop().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }

    /** First in the pipeline once the ERROR is on its way: nothing the peer sends after it reaches the session. */
    private static final class DiscardInbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing for the session
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                ctx.close(); // the peer closed its side: both directions are done
                return;
            }
            ctx.fireUserEventTriggered(event);
        }
    }
}
