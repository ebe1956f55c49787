package io.datamover.protocol.tls;

import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.netty.channel.Channel;
import java.util.Optional;

/**
 * Whether the peer its certificate proved ({@link AuthenticatedPeer}) may say the HELLO it sent on a gateway's
 * listener: the one place a gateway authorizes a peer. The peer's role is the certificate's, never the HELLO's role
 * byte. A peer is accepted only when its certificate
 * <ul>
 *   <li>has the role this listener takes (taps at a source gateway, source gateways at a target gateway),</li>
 *   <li>is of the HELLO's pair, of the pair this gateway serves (its --pair, when set), of the pair of this gateway's
 *       own certificate (under TLS), and of the pair the HELLO's group is held for, when the group exists
 *       ({@link Grant#requireGroupPair}),</li>
 *   <li>and, for a tap, names the HELLO's consistency group.</li>
 * </ul>
 * A HELLO whose role byte differs from its certificate's role is refused as well. Every refusal is an
 * UNAUTHORIZED {@link ProtocolException} whose message, sent to the peer, says nothing about this side's pair; its
 * {@linkplain ProtocolException#localDetail local detail}, for this side's log line, names the peer's address and
 * certificate subject and what did not match. A connection of a daemon run with {@code --insecure-plaintext}
 * ({@link AuthenticatedPeer#isInsecure()}) is let through unchecked: the operator chose that. A connection with no
 * peer at all (no TLS handshake proved one) is refused.
 */
public final class HelloAuthorization {
    /** The whole text an unauthorized peer gets: nothing about this side's pair, group or configuration. */
    static final String REFUSAL = "the certificate of this connection does not allow this HELLO (its role, pair or "
            + "consistency group); the gateway's log says which";

    private final Role accepted;
    private final Optional<String> servedPair;
    private final TransportSecurity transport;

    /**
     * A gateway run without TLS of its own: only {@code servedPair} binds the peers' pair.
     *
     * @param accepted the role this listener takes
     * @param servedPair the only pair this gateway serves, when configured
     */
    public HelloAuthorization(Role accepted, Optional<String> servedPair) {
        this(accepted, servedPair, TransportSecurity.insecurePlaintext());
    }

    /**
     * @param transport this gateway's: under TLS, its own certificate's pair (as it is now, reloads included) is the
     *        only one it serves, --pair or not. A real peer of another pair refuses this gateway's certificate when
     *        it connects, so only a stranger with a certificate of the same CA would otherwise get through, and
     *        create groups of its own here.
     */
    public HelloAuthorization(Role accepted, Optional<String> servedPair, TransportSecurity transport) {
        this.accepted = accepted;
        this.servedPair = servedPair;
        this.transport = transport;
    }

    /**
     * Checks {@code hello}, received on {@code channel}, against the channel's proved peer. On the event loop: no
     * I/O.
     *
     * @return what the peer was granted, to check the HELLO's group against once it is looked up
     * @throws ProtocolException UNAUTHORIZED, as described above
     */
    public Grant authorize(Channel channel, Hello hello) throws ProtocolException {
        String address = String.valueOf(channel.remoteAddress());
        AuthenticatedPeer peer = AuthenticatedPeer.of(channel);
        if (peer == null) {
            throw refusal(address, "(none)", "no TLS handshake proved who this peer is");
        }
        Grant grant = new Grant(peer, address);
        if (peer.isInsecure()) {
            return grant;
        }
        PeerIdentity identity = peer.identity();
        if (identity.role() != accepted) {
            throw grant.refusal("its certificate is a " + PeerIdentity.roleName(identity.role())
                    + "'s; this listener takes " + PeerIdentity.roleName(accepted) + "s");
        }
        if (hello.role() != identity.role()) {
            throw grant.refusal("its HELLO claims role " + PeerIdentity.roleName(hello.role()) + " but its certificate "
                    + "is a " + PeerIdentity.roleName(identity.role()) + "'s");
        }
        if (!hello.pairId().equals(identity.pairId())) {
            throw grant.refusal("its HELLO names pair '" + hello.pairId() + "' but its certificate is for pair '"
                    + identity.pairId() + "'");
        }
        if (servedPair.isPresent() && !servedPair.get().equals(identity.pairId())) {
            throw grant.refusal("its certificate is for pair '" + identity.pairId() + "', this gateway serves pair '"
                    + servedPair.get() + "'");
        }
        Optional<String> ownPair = ownPair();
        if (ownPair.isPresent() && !ownPair.get().equals(identity.pairId())) {
            throw grant.refusal("its certificate is for pair '" + identity.pairId() + "', this gateway's certificate "
                    + "is for pair '" + ownPair.get() + "'");
        }
        if (identity.role() == Role.TAP && !identity.mayWrite(hello.cgId())) {
            throw grant.refusal("its HELLO names consistency group " + Integer.toUnsignedString(hello.cgId())
                    + " but its certificate allows " + identity.cgIds());
        }
        return grant;
    }

    /** The pair this gateway serves, for log lines: its --pair, or under TLS its own certificate's, or "any". */
    public String servedPairName() {
        return servedPair.or(this::ownPair).orElse("any");
    }

    private Optional<String> ownPair() {
        return transport.contexts().map(tls -> tls.material().identity().pairId());
    }

    /** A peer whose HELLO was authorized; its certificate's pair is still to be matched with an existing group. */
    public record Grant(AuthenticatedPeer peer, String address) {
        /**
         * The HELLO's group exists here, held for {@code groupPair}: only a certificate of that pair may use it.
         * Off the event loop too (where the group is looked up).
         *
         * @throws ProtocolException UNAUTHORIZED, its message saying nothing about {@code groupPair}
         */
        public void requireGroupPair(int cgId, String groupPair) throws ProtocolException {
            if (!peer.isInsecure() && !peer.identity().pairId().equals(groupPair)) {
                throw refusal("its certificate is for pair '" + peer.identity().pairId() + "' but consistency group "
                        + Integer.toUnsignedString(cgId) + " is held here for pair '" + groupPair + "'");
            }
        }

        /** The certificate subject, for log lines. */
        public String subject() {
            return peer.subject();
        }

        private ProtocolException refusal(String why) {
            return HelloAuthorization.refusal(address, peer.subject(), why);
        }
    }

    private static ProtocolException refusal(String address, String subject, String why) {
        return new ProtocolException(ErrorCode.UNAUTHORIZED, REFUSAL, "peer " + address + " with certificate '"
                + subject + "' is not authorized: " + why);
    }
}
