package io.datamover.protocol.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Who is at the other end of a connection, as its certificate proved it after the TLS handshake; handlers
 * authorize HELLOs against it, never against what a HELLO claims. Set on the channel by the TLS layer
 * ({@link #KEY}). A daemon run with {@code --insecure-plaintext} marks its connections {@link #insecure()}:
 * nothing is proved, and the operator chose that.
 */
public record AuthenticatedPeer(String subject, PeerIdentity identity) {
    public static final AttributeKey<AuthenticatedPeer> KEY = AttributeKey.valueOf("datamover.authenticatedPeer");

    private static final AuthenticatedPeer INSECURE = new AuthenticatedPeer("(plaintext, not authenticated)", null);

    public AuthenticatedPeer {
        if (subject == null) {
            throw new IllegalArgumentException("a subject is required");
        }
    }

    public static AuthenticatedPeer insecure() {
        return INSECURE;
    }

    /** True on a plaintext connection of a daemon run with --insecure-plaintext. */
    public boolean isInsecure() {
        return identity == null;
    }

    /** The peer of this channel, or null when no TLS handshake (and no --insecure-plaintext) established one. */
    public static AuthenticatedPeer of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /** The certificate subject this channel's peer proved, or "(no certificate)" when none was established. */
    public static String subjectOf(Channel channel) {
        AuthenticatedPeer peer = of(channel);
        return peer == null ? "(no certificate)" : peer.subject();
    }
}
