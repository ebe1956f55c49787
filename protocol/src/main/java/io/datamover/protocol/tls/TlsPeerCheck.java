package io.datamover.protocol.tls;

import io.datamover.protocol.Role;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Right behind the {@link SslHandler}: once the handshake is done, reads the identity the peer's certificate proves
 * and sets it on the channel ({@link AuthenticatedPeer#KEY}) before any frame reaches the session. A client also
 * checks that the server is what it dials (a role of its pair) and holds {@code channelActive}, which starts the
 * session (the HELLO goes out), until then. In TLS 1.3 a server judges the client's certificate after the client is
 * done: a server's refusal reaches the client as an alert once its session started, and is counted then. A failed handshake, a plaintext peer, a missing or unexpected identity:
 * reported to the {@link TlsRefusal.Listener} and closed.
 */
final class TlsPeerCheck extends ChannelInboundHandlerAdapter {
    private final Role expectedRole;
    private final String expectedPair;
    private final TlsRefusal.Listener refusals;
    private boolean done;
    private boolean authenticated;

    /** A server's check: any identity, authorization is the session's. */
    static TlsPeerCheck server(TlsRefusal.Listener refusals) {
        return new TlsPeerCheck(null, null, refusals);
    }

    /** A client's check: the server must prove {@code role} of pair {@code pairId}. */
    static TlsPeerCheck client(Role role, String pairId, TlsRefusal.Listener refusals) {
        return new TlsPeerCheck(role, pairId, refusals);
    }

    private TlsPeerCheck(Role expectedRole, String expectedPair, TlsRefusal.Listener refusals) {
        this.expectedRole = expectedRole;
        this.expectedPair = expectedPair;
        this.refusals = refusals;
    }

    private boolean isClient() {
        return expectedRole != null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!isClient()) {
            ctx.fireChannelActive();
        } // a client's session starts once the server is checked
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof SslHandshakeCompletionEvent completion)) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        if (completion.isSuccess()) {
            authenticate(ctx);
        } else {
            handshakeFailed(ctx, completion.cause());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!authenticated && !authenticate(ctx)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable unwrapped = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (authenticated && isClient() && unwrapped instanceof SSLHandshakeException) {
            // TLS 1.3: a client is done with its handshake before the server judges its certificate; the server's
            // refusal comes as an alert afterwards.
            refusals.refused(TlsRefusal.HANDSHAKE, ctx.channel(), "the server refused this side's certificate: "
                    + describe(unwrapped));
            ctx.close();
            return;
        }
        if (authenticated) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        // Before the handshake the SslHandler's failures also come as its completion event; counted once.
        handshakeFailed(ctx, unwrapped);
    }

    private void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        if (!(cause instanceof ClosedChannelException)) { // the peer went away (or the guard closed it): no refusal
            if (cause instanceof NotSslRecordException) {
                refusals.refused(TlsRefusal.PLAINTEXT, ctx.channel(), "it sent plaintext, not TLS");
            } else if (cause instanceof SslHandshakeTimeoutException) {
                refusals.refused(TlsRefusal.HANDSHAKE_TIMEOUT, ctx.channel(), cause.getMessage());
            } else {
                refusals.refused(TlsRefusal.HANDSHAKE, ctx.channel(), describe(cause));
            }
        }
        ctx.close();
    }

    /** Sets the peer's identity on the channel, or refuses it; whether the connection goes on. */
    private boolean authenticate(ChannelHandlerContext ctx) {
        if (authenticated) {
            return true;
        }
        if (done) {
            return false;
        }
        done = true;
        X509Certificate certificate;
        try {
            Certificate[] chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            certificate = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException | RuntimeException e) {
            return refuse(ctx, "no peer certificate after the handshake: " + e.getMessage());
        }
        String subject = certificate.getSubjectX500Principal().getName();
        PeerIdentity identity;
        try {
            identity = PeerIdentity.of(certificate);
        } catch (IllegalArgumentException e) {
            return refuse(ctx, "certificate '" + subject + "' proves no datamover identity: " + e.getMessage());
        }
        if (isClient() && (identity.role() != expectedRole || !identity.pairId().equals(expectedPair))) {
            return refuse(ctx, "certificate '" + subject + "' is a " + PeerIdentity.roleName(identity.role())
                    + " of pair " + identity.pairId() + ", this side dials a " + PeerIdentity.roleName(expectedRole)
                    + " of pair " + expectedPair);
        }
        ctx.channel().attr(AuthenticatedPeer.KEY).set(new AuthenticatedPeer(subject, identity));
        authenticated = true;
        if (isClient()) {
            ctx.fireChannelActive(); // the session starts: its HELLO goes to a proved server
        }
        return true;
    }

    private boolean refuse(ChannelHandlerContext ctx, String detail) {
        refusals.refused(TlsRefusal.IDENTITY, ctx.channel(), detail);
        ctx.close();
        return false;
    }

    /** The cause and its causes' messages: JSSE names the reason (unknown CA, expired) a level or two down. */
    private static String describe(Throwable cause) {
        StringBuilder out = new StringBuilder(String.valueOf(cause.getMessage()));
        for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !out.toString().contains(c.getMessage())) {
                out.append(": ").append(c.getMessage());
            }
        }
        return out.toString();
    }
}
