package io.datamover.coordination;

import java.nio.charset.StandardCharsets;

/**
 * What a group's ephemeral leader node says: which gateway leads it, under which epoch, and where its peers reach it
 * (for a redirect). Written by the leader after each raise of the epoch; it goes with the leader's session. A hint
 * for finding the leader, never a licence to act: that is the lock and the epoch.
 *
 * @param gatewayId the leading gateway
 * @param epoch the epoch it leads under
 * @param address HOST:PORT where it takes the group's peers (a tap), or empty when it did not say
 */
public record GroupLeader(String gatewayId, long epoch, String address) {
    private static final String NO_ADDRESS = "-";

    public GroupLeader {
        SitePaths.requireName("gateway id", gatewayId);
        if (epoch < 1) {
            throw new IllegalArgumentException("a leader's epoch is at least 1, not " + epoch);
        }
        if (address == null || address.contains(" ") || address.equals(NO_ADDRESS)) {
            throw new IllegalArgumentException("leader address '" + address + "' must be HOST:PORT or empty");
        }
    }

    byte[] encode() {
        return (gatewayId + " " + epoch + " " + (address.isEmpty() ? NO_ADDRESS : address))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The node's data; anything else than {@code GATEWAY EPOCH ADDRESS} is refused. */
    static GroupLeader decode(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        String[] fields = text.split(" ");
        if (fields.length != 3) {
            throw new IllegalStateException("leader node '" + text + "' is not 'GATEWAY EPOCH ADDRESS'");
        }
        try {
            return new GroupLeader(fields[0], Long.parseLong(fields[1]), fields[2].equals(NO_ADDRESS) ? ""
                    : fields[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("leader node '" + text + "': " + e.getMessage(), e);
        }
    }
}
