package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * The buffers one NBD connection's socket reads land in: while its {@link NbdRequestDecoder} receives a WRITE payload
 * into a pool block, the rest of that block ({@link NbdRequestDecoder#payloadRoom()}), so the payload's bytes go from
 * the socket straight to where the local write, the sender's window and the frame take them; otherwise read buffers
 * as {@code reads} sizes them. One instance per connection, set on the channel before its first read (the transport
 * creates its read handle once).
 */
final class PayloadReceiveAllocator implements RecvByteBufAllocator {
    /** The read after a payload received into its block: a request header and a little more. */
    static final int READ_AFTER_PAYLOAD_BYTES = 1024;

    private final RecvByteBufAllocator reads;
    /** Set when the connection enters the transmission phase; event loop only. */
    private NbdRequestDecoder decoder;

    PayloadReceiveAllocator(RecvByteBufAllocator reads) {
        this.reads = reads;
    }

    /** From now on, reads go into the payload {@code decoder} is receiving, when there is one. */
    void receiveFor(NbdRequestDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public Handle newHandle() {
        return new PayloadHandle((ExtendedHandle) reads.newHandle());
    }

    private final class PayloadHandle implements ExtendedHandle {
        private final ExtendedHandle delegate;

        PayloadHandle(ExtendedHandle delegate) {
            this.delegate = delegate;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            if (decoder != null) {
                ByteBuf room = decoder.payloadRoom();
                if (room != null) {
                    return room;
                }
                if (decoder.takePayloadEnded()) {
                    // Likely the next request of a stream of large writes: a small read takes its header, so that
                    // its payload lands in its block rather than in a read buffer it would be copied from.
                    return alloc.ioBuffer(READ_AFTER_PAYLOAD_BYTES);
                }
            }
            return delegate.allocate(alloc);
        }

        @Override
        public int guess() {
            return delegate.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            delegate.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            delegate.readComplete();
        }
    }
}
