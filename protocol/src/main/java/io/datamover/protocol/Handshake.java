package io.datamover.protocol;

/** Agreement on what two peers speak, from a {@link Hello} and the accepting side's own offer. */
public final class Handshake {
    private Handshake() {}

    /** The revision and features both sides will use. */
    public record Agreement(int protocol, long features) {
        public boolean has(Feature feature) {
            return feature.in(features);
        }
    }

    /**
     * The highest revision both speak and the features both offer; fails with INCOMPATIBLE when the
     * revision ranges do not meet or the peer lacks a feature listed in {@code requiredFeatures}.
     */
    public static Agreement negotiate(Hello remote, int localMin, int localMax, long localFeatures,
            long requiredFeatures) throws ProtocolException {
        int protocol = Math.min(localMax, remote.protocolMax());
        if (protocol < Math.max(localMin, remote.protocolMin())) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + remote.senderId() + " speaks protocol ["
                    + remote.protocolMin() + ", " + remote.protocolMax() + "], this build [" + localMin + ", "
                    + localMax + "]: upgrade the older side");
        }
        long features = remote.features() & localFeatures;
        long missing = requiredFeatures & ~features;
        if (missing != 0) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + remote.senderId()
                    + " lacks required features 0x" + Long.toHexString(missing));
        }
        return new Agreement(protocol, features);
    }

    /** Negotiation against everything this build speaks, requiring {@code requiredFeatures}. */
    public static Agreement negotiate(Hello remote, long requiredFeatures) throws ProtocolException {
        return negotiate(remote, Wire.PROTOCOL_MIN, Wire.PROTOCOL_MAX, Feature.all(), requiredFeatures);
    }

    /**
     * The connecting side's half of the negotiation: the accepting side must answer in the
     * {@code expectedRole} and pick a revision and features from what {@code offered} proposed.
     */
    public static Agreement checkAccepted(Hello offered, HelloAck ack, Role expectedRole) throws ProtocolException {
        if (ack.protocol() < Math.max(Wire.PROTOCOL_MIN, offered.protocolMin())
                || ack.protocol() > Math.min(Wire.PROTOCOL_MAX, offered.protocolMax())) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + ack.receiverId() + " chose protocol "
                    + ack.protocol() + ", this side offered [" + offered.protocolMin() + ", " + offered.protocolMax()
                    + "]");
        }
        if (ack.role() != expectedRole) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + ack.receiverId() + " answered as "
                    + ack.role() + ", expected a " + expectedRole);
        }
        long unoffered = ack.features() & ~offered.features();
        if (unoffered != 0) {
            throw new ProtocolException(ErrorCode.INCOMPATIBLE, "peer " + ack.receiverId() + " chose features 0x"
                    + Long.toHexString(unoffered) + " this side did not offer");
        }
        return new Agreement(ack.protocol(), ack.features());
    }
}
