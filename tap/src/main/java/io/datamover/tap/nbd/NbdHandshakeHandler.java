package io.datamover.tap.nbd;

import io.datamover.tap.export.Export;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The fixed-newstyle handshake: greeting, client flags, then option haggling until EXPORT_NAME or a successful GO
 * hands the connection to the transmission phase. Every option is bounded by {@code maxOptionBytes} before it is
 * buffered; parsing checks every inner length against what was actually received; unknown options get
 * NBD_REP_ERR_UNSUP. A client that is still haggling after the handshake timeout is disconnected.
 *
 * <p>With a TLS context the server is the protocol's FORCEDTLS kind (as {@code nbdkit --tls=require}): before
 * NBD_OPT_STARTTLS every option but ABORT is answered NBD_REP_ERR_TLS_REQD (EXPORT_NAME, which cannot be answered
 * with an error, ends the connection); after its ACK the TLS handshake runs, the certificate the context requires
 * checked, and the haggling goes on inside TLS. Without one, STARTTLS is unsupported like any unknown option.
 */
final class NbdHandshakeHandler extends ByteToMessageDecoder {

    private static final int MAX_OPTIONS = 256;
    private static final int TRANSMISSION_FLAGS = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
            | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_CAN_MULTI_CONN;
    private static final int PREFERRED_BLOCK_BYTES = 4096;

    /** Enters the transmission phase for a negotiated session. */
    interface TransmissionEntry {
        void enter(ChannelHandlerContext ctx, NbdSession session);
    }

    private enum State { CLIENT_FLAGS, OPTIONS, DONE }

    private final Map<String, Export> exports;
    private final int maxOptionBytes;
    private final int maxRequestBytes;
    private final long handshakeTimeoutMillis;
    private final BooleanSupplier shuttingDown;
    private final ProtocolErrors errors;
    private final TransmissionEntry transmission;
    /** The TLS every client must start before anything else; null: plaintext, STARTTLS unsupported. */
    private final Supplier<SslContext> tls;

    private State state = State.CLIENT_FLAGS;
    private boolean noZeroes;
    private boolean structuredReplies;
    /** Export name of the last successful SET_META_CONTEXT that selected base:allocation, or null. */
    private String metaContextExport;
    private int optionCount;
    private boolean tlsStarted;
    private ScheduledFuture<?> timeout;

    /**
     * @param exports by name, in listing order; the empty name may map to the default export
     * @param tls the server context of the TLS every client must start, or null for plaintext
     */
    NbdHandshakeHandler(Map<String, Export> exports, int maxOptionBytes, int maxRequestBytes, long handshakeTimeoutMillis,
            BooleanSupplier shuttingDown, ProtocolErrors errors, TransmissionEntry transmission,
            Supplier<SslContext> tls) {
        this.exports = exports;
        this.maxOptionBytes = maxOptionBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.shuttingDown = shuttingDown;
        this.errors = errors;
        this.transmission = transmission;
        this.tls = tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ByteBuf greeting = ctx.alloc().buffer(18);
        greeting.writeLong(Nbd.INIT_MAGIC).writeLong(Nbd.IHAVEOPT).writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        ctx.writeAndFlush(greeting);
        timeout = ctx.executor().schedule(() -> errors.fatal(ctx, "handshake_timeout",
                "no export chosen within " + handshakeTimeoutMillis + " ms"), handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    /** A failed TLS handshake (no certificate, one the CA did not sign, a timeout) ends the connection, logged. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            errors.fatal(ctx, "tls_handshake", "TLS handshake failed: " + done.cause());
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    /**
     * The TLS layer's failure (an SSLException, which the handshake's failure above reports too) ends the connection;
     * anything else goes on down the pipeline as before.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!causedByTls(cause)) {
            ctx.fireExceptionCaught(cause);
        } else if (ctx.channel().isActive()) {
            errors.fatal(ctx, "tls_handshake", String.valueOf(cause));
        }
    }

    private static boolean causedByTls(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case CLIENT_FLAGS -> readClientFlags(ctx, in);
            case OPTIONS -> readOption(ctx, in);
            case DONE -> in.skipBytes(in.readableBytes());
        }
    }

    private void readClientFlags(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 4) {
            return;
        }
        long clientFlags = in.readUnsignedInt();
        if ((clientFlags & ~Nbd.KNOWN_CLIENT_FLAGS) != 0) {
            fail(ctx, in, "bad_client_flags", "unknown client flags 0x" + Long.toHexString(clientFlags));
            return;
        }
        noZeroes = (clientFlags & Nbd.CLIENT_FLAG_NO_ZEROES) != 0;
        state = State.OPTIONS;
    }

    private void readOption(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < Nbd.OPTION_HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        long magic = in.getLong(start);
        if (magic != Nbd.IHAVEOPT) {
            fail(ctx, in, "bad_option_magic", "option magic 0x" + Long.toHexString(magic) + " (request before negotiation?)");
            return;
        }
        int option = in.getInt(start + 8);
        long length = in.getUnsignedInt(start + 12);
        if (length > maxOptionBytes) {
            // Never buffer what the client claims: refuse, and since the stream can only resync by reading the
            // whole claimed length, end the connection.
            in.skipBytes(in.readableBytes());
            state = State.DONE;
            errors.rejected(ctx, "option_too_big", "option " + option + " of " + length + " bytes");
            ctx.writeAndFlush(textReply(ctx, option, Nbd.REP_ERR_TOO_BIG, "option longer than " + maxOptionBytes + " bytes"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (in.readableBytes() < Nbd.OPTION_HEADER_BYTES + length) {
            return;
        }
        if (++optionCount > MAX_OPTIONS) {
            fail(ctx, in, "too_many_options", "more than " + MAX_OPTIONS + " options");
            return;
        }
        in.skipBytes(Nbd.OPTION_HEADER_BYTES);
        ByteBuf data = in.readSlice((int) length);
        if (shuttingDown.getAsBoolean() && option != Nbd.OPT_ABORT) {
            reply(ctx, option, Nbd.REP_ERR_SHUTDOWN, "the tap is shutting down");
            return;
        }
        if (tls != null && !tlsStarted && option != Nbd.OPT_STARTTLS && option != Nbd.OPT_ABORT) {
            refuseBeforeTls(ctx, in, option);
            return;
        }
        if (option == Nbd.OPT_STARTTLS && tls != null) {
            startTls(ctx, in, data);
            return;
        }
        handleOption(ctx, option, data);
    }

    /** FORCEDTLS: an option before STARTTLS is refused; EXPORT_NAME, which has no error reply, ends the connection. */
    private void refuseBeforeTls(ChannelHandlerContext ctx, ByteBuf in, int option) {
        if (option == Nbd.OPT_EXPORT_NAME) {
            fail(ctx, in, "tls_required", "NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS: TLS is required");
            return;
        }
        errors.rejected(ctx, "tls_required", "option " + option + " before NBD_OPT_STARTTLS");
        reply(ctx, option, Nbd.REP_ERR_TLS_REQD, "TLS is required here: send NBD_OPT_STARTTLS first");
    }

    /**
     * Acknowledges STARTTLS in plaintext, then puts TLS in front of everything: the ACK has left the pipeline when
     * the handler is added (this is the event loop), so only what follows is encrypted. A client that sent more
     * after its STARTTLS, before the ACK, is breaking the protocol: those bytes would be taken for TLS.
     */
    private void startTls(ChannelHandlerContext ctx, ByteBuf in, ByteBuf data) {
        if (tlsStarted || data.isReadable()) {
            invalid(ctx, Nbd.OPT_STARTTLS, tlsStarted ? "TLS is already started" : "NBD_OPT_STARTTLS carries no data");
            return;
        }
        if (in.isReadable()) {
            fail(ctx, in, "starttls_pipelined", "bytes after NBD_OPT_STARTTLS before its reply");
            return;
        }
        tlsStarted = true;
        ctx.writeAndFlush(textReply(ctx, Nbd.OPT_STARTTLS, Nbd.REP_ACK, null));
        SslHandler ssl = tls.get().newHandler(ctx.alloc());
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        ctx.pipeline().addFirst("tls", ssl);
    }

    private void handleOption(ChannelHandlerContext ctx, int option, ByteBuf data) {
        switch (option) {
            case Nbd.OPT_EXPORT_NAME -> exportName(ctx, data);
            case Nbd.OPT_ABORT -> {
                state = State.DONE;
                ctx.writeAndFlush(textReply(ctx, option, Nbd.REP_ACK, null)).addListener(ChannelFutureListener.CLOSE);
            }
            case Nbd.OPT_LIST -> list(ctx, data);
            case Nbd.OPT_INFO, Nbd.OPT_GO -> infoOrGo(ctx, option, data);
            case Nbd.OPT_STRUCTURED_REPLY -> structuredReply(ctx, data);
            case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(ctx, option, data);
            default -> {
                errors.rejected(ctx, "unsupported_option", "option " + option);
                reply(ctx, option, Nbd.REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
    }

    private void exportName(ChannelHandlerContext ctx, ByteBuf data) {
        String name = string(data, data.readableBytes());
        Export export = name == null ? null : exports.get(name);
        if (export == null) {
            // EXPORT_NAME cannot carry an error: the spec says to end the session.
            fail(ctx, data, "unknown_export", "unknown export " + (name == null ? "(invalid UTF-8)" : "'" + name + "'"));
            return;
        }
        ByteBuf reply = ctx.alloc().buffer(10 + (noZeroes ? 0 : 124));
        reply.writeLong(export.sizeBytes()).writeShort(TRANSMISSION_FLAGS);
        if (!noZeroes) {
            reply.writeZero(124);
        }
        ctx.write(reply);
        enter(ctx, export, name);
    }

    private void list(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            invalid(ctx, Nbd.OPT_LIST, "NBD_OPT_LIST carries no data");
            return;
        }
        exports.values().stream().distinct().forEach(export -> {
            byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
            ByteBuf payload = ctx.alloc().buffer(4 + name.length).writeInt(name.length).writeBytes(name);
            ctx.write(optionReply(ctx, Nbd.OPT_LIST, Nbd.REP_SERVER, payload));
        });
        reply(ctx, Nbd.OPT_LIST, Nbd.REP_ACK, null);
    }

    private void infoOrGo(ChannelHandlerContext ctx, int option, ByteBuf data) {
        String name = exportNameField(data, 2);
        if (name == null) {
            invalid(ctx, option, "malformed export name");
            return;
        }
        int requests = data.readUnsignedShort();
        if (data.readableBytes() != requests * 2) {
            invalid(ctx, option, requests + " information requests announced, " + data.readableBytes() + " bytes follow");
            return;
        }
        boolean wantsName = false;
        for (int i = 0; i < requests; i++) {
            wantsName |= data.readUnsignedShort() == Nbd.INFO_NAME;
        }
        Export export = exports.get(name);
        if (export == null) {
            errors.rejected(ctx, "unknown_export", "unknown export '" + name + "'");
            reply(ctx, option, Nbd.REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        ByteBuf info = ctx.alloc().buffer(12).writeShort(Nbd.INFO_EXPORT).writeLong(export.sizeBytes()).writeShort(TRANSMISSION_FLAGS);
        ctx.write(optionReply(ctx, option, Nbd.REP_INFO, info));
        if (wantsName) {
            byte[] canonical = export.name().getBytes(StandardCharsets.UTF_8);
            ctx.write(optionReply(ctx, option, Nbd.REP_INFO,
                    ctx.alloc().buffer(2 + canonical.length).writeShort(Nbd.INFO_NAME).writeBytes(canonical)));
        }
        // Sent even unasked (allowed): min 1 because any byte range works on a file, max = what we accept.
        ByteBuf sizes = ctx.alloc().buffer(14).writeShort(Nbd.INFO_BLOCK_SIZE)
                .writeInt(1).writeInt(PREFERRED_BLOCK_BYTES).writeInt(maxRequestBytes);
        ctx.write(optionReply(ctx, option, Nbd.REP_INFO, sizes));
        if (option == Nbd.OPT_INFO) {
            reply(ctx, option, Nbd.REP_ACK, null);
            return;
        }
        ctx.write(textReply(ctx, option, Nbd.REP_ACK, null));
        enter(ctx, export, name);
    }

    private void structuredReply(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable() || structuredReplies) {
            invalid(ctx, Nbd.OPT_STRUCTURED_REPLY, data.isReadable() ? "carries no data" : "already negotiated");
            return;
        }
        structuredReplies = true;
        reply(ctx, Nbd.OPT_STRUCTURED_REPLY, Nbd.REP_ACK, null);
    }

    private void metaContext(ChannelHandlerContext ctx, int option, ByteBuf data) {
        boolean select = option == Nbd.OPT_SET_META_CONTEXT;
        if (select) {
            metaContextExport = null; // SET replaces the selection, even when it fails
        }
        if (!structuredReplies) {
            invalid(ctx, option, "structured replies must be negotiated first");
            return;
        }
        String name = exportNameField(data, 4);
        long queries = name == null ? -1 : data.readUnsignedInt();
        if (name == null || queries > data.readableBytes() / 4) {
            invalid(ctx, option, "malformed export name or query count");
            return;
        }
        boolean matched = queries == 0 && !select;
        for (long i = 0; i < queries; i++) {
            if (data.readableBytes() < 4) {
                invalid(ctx, option, "query " + i + " cut short");
                return;
            }
            long queryLength = data.readUnsignedInt();
            String query = queryLength > data.readableBytes() ? null : string(data, (int) queryLength);
            if (query == null) {
                invalid(ctx, option, "query " + i + " longer than the option or not UTF-8");
                return;
            }
            matched |= query.equals(Nbd.BASE_ALLOCATION) || (!select && query.equals("base:"));
        }
        if (data.isReadable()) {
            invalid(ctx, option, data.readableBytes() + " bytes after the last query");
            return;
        }
        if (!exports.containsKey(name)) {
            errors.rejected(ctx, "unknown_export", "meta context for unknown export '" + name + "'");
            reply(ctx, option, Nbd.REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        if (matched) {
            byte[] context = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            ByteBuf payload = ctx.alloc().buffer(4 + context.length)
                    .writeInt(select ? Nbd.BASE_ALLOCATION_ID : 0).writeBytes(context);
            ctx.write(optionReply(ctx, option, Nbd.REP_META_CONTEXT, payload));
            if (select) {
                metaContextExport = name;
            }
        }
        reply(ctx, option, Nbd.REP_ACK, null);
    }

    private void enter(ChannelHandlerContext ctx, Export export, String requestedName) {
        state = State.DONE;
        ctx.flush();
        boolean blockStatus = structuredReplies && requestedName.equals(metaContextExport);
        transmission.enter(ctx, new NbdSession(export, structuredReplies, blockStatus));
        // Bytes already received after this option are passed on to the transmission decoder by removal.
        ctx.pipeline().remove(this);
    }

    private void invalid(ChannelHandlerContext ctx, int option, String why) {
        errors.rejected(ctx, "invalid_option", "option " + option + ": " + why);
        reply(ctx, option, Nbd.REP_ERR_INVALID, why);
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason, String detail) {
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        errors.fatal(ctx, reason, detail);
    }

    private void reply(ChannelHandlerContext ctx, int option, int type, String message) {
        ctx.writeAndFlush(textReply(ctx, option, type, message));
    }

    private static ByteBuf textReply(ChannelHandlerContext ctx, int option, int type, String message) {
        byte[] text = message == null || type == Nbd.REP_ACK ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
        return optionReply(ctx, option, type, ctx.alloc().buffer(text.length).writeBytes(text));
    }

    /** Takes ownership of {@code payload}. */
    private static ByteBuf optionReply(ChannelHandlerContext ctx, int option, int type, ByteBuf payload) {
        try {
            ByteBuf reply = ctx.alloc().buffer(20 + payload.readableBytes());
            return reply.writeLong(Nbd.OPTION_REPLY_MAGIC).writeInt(option).writeInt(type)
                    .writeInt(payload.readableBytes()).writeBytes(payload);
        } finally {
            payload.release();
        }
    }

    /**
     * Reads a 32-bit length and that many bytes of export name, which must leave at least {@code trailingBytes}
     * of the option; null if the field is malformed.
     */
    private static String exportNameField(ByteBuf data, int trailingBytes) {
        if (data.readableBytes() < 4 + trailingBytes) {
            return null;
        }
        long length = data.readUnsignedInt();
        return length > data.readableBytes() - trailingBytes ? null : string(data, (int) length);
    }

    /** Reads {@code length} bytes as strict UTF-8; null if invalid, too long, or containing NUL. */
    private static String string(ByteBuf data, int length) {
        if (length > Nbd.MAX_STRING_BYTES || length > data.readableBytes()) {
            data.skipBytes(Math.min(length, data.readableBytes()));
            return null;
        }
        ByteBuffer bytes = data.nioBuffer(data.readerIndex(), length);
        data.skipBytes(length);
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
            return text.indexOf('\0') >= 0 ? null : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
