package io.datamover.protocol.tls;

import io.datamover.protocol.Names;
import io.datamover.protocol.Role;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a datamover certificate proves about its holder: one role in one replication pair, and for a tap the
 * consistency groups it may write. It is carried as one URI subject alternative name:
 *
 * <pre>
 *   datamover:/pair/PAIR/role/ROLE             (ROLE: source-gateway or target-gateway)
 *   datamover:/pair/PAIR/role/tap/cg/N[,N...]  (N: consistency group ids, unsigned decimal)
 * </pre>
 *
 * PAIR is a pair id ({@link Names#requireId}). A certificate with no such URI, or with more than one, proves
 * nothing and is refused. Other subject alternative names (DNS names, IP addresses) are for host name checks.
 */
public record PeerIdentity(Role role, String pairId, Set<Integer> cgIds) {
    public static final String URI_PREFIX = "datamover:/pair/";

    /** The GeneralName tag of a URI in {@link X509Certificate#getSubjectAlternativeNames()}. */
    private static final int URI_NAME = 6;

    public PeerIdentity {
        if (role == null) {
            throw new IllegalArgumentException("a role is required");
        }
        Names.requireId("pair", pairId);
        cgIds = Set.copyOf(new TreeSet<>(cgIds));
        if (role == Role.TAP && cgIds.isEmpty()) {
            throw new IllegalArgumentException("a tap's identity names at least one consistency group");
        }
        if (role != Role.TAP && !cgIds.isEmpty()) {
            throw new IllegalArgumentException("only a tap's identity names consistency groups, not a " + roleName(role));
        }
    }

    public static PeerIdentity gateway(Role role, String pairId) {
        return new PeerIdentity(role, pairId, Set.of());
    }

    public static PeerIdentity tap(String pairId, Collection<Integer> cgIds) {
        return new PeerIdentity(Role.TAP, pairId, Set.copyOf(cgIds));
    }

    /** True when this identity may send the records of consistency group {@code cgId} (taps only). */
    public boolean mayWrite(int cgId) {
        return role == Role.TAP && cgIds.contains(cgId);
    }

    /** The URI subject alternative name that carries this identity. */
    public String toUri() {
        StringBuilder uri = new StringBuilder(URI_PREFIX).append(pairId).append("/role/").append(roleName(role));
        if (!cgIds.isEmpty()) {
            List<String> ids = new ArrayList<>();
            new TreeSet<>(cgIds).forEach(id -> ids.add(Integer.toUnsignedString(id)));
            uri.append("/cg/").append(String.join(",", ids));
        }
        return uri.toString();
    }

    /** Parses {@link #toUri()}'s form; a clear IllegalArgumentException for anything else. */
    public static PeerIdentity parse(String uri) {
        if (uri == null || !uri.startsWith(URI_PREFIX)) {
            throw new IllegalArgumentException("not a datamover identity (expected " + URI_PREFIX + "...): " + uri);
        }
        String[] parts = uri.substring(URI_PREFIX.length()).split("/", -1);
        if ((parts.length != 3 && parts.length != 5) || !parts[1].equals("role")) {
            throw new IllegalArgumentException("expected " + URI_PREFIX + "PAIR/role/ROLE[/cg/N,...], got " + uri);
        }
        Role role = roleNamed(parts[2]);
        Set<Integer> cgs = new TreeSet<>();
        if (parts.length == 5) {
            if (!parts[3].equals("cg") || parts[4].isEmpty()) {
                throw new IllegalArgumentException("expected /cg/N[,N...] after the role, got " + uri);
            }
            for (String id : parts[4].split(",", -1)) {
                try {
                    cgs.add(Integer.parseUnsignedInt(id));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad consistency group id '" + id + "' in " + uri);
                }
            }
        }
        return new PeerIdentity(role, parts[0], cgs);
    }

    /**
     * The identity a certificate proves: exactly one {@code datamover:} URI subject alternative name.
     *
     * @throws IllegalArgumentException when it has none, several, or a malformed one
     */
    public static PeerIdentity of(X509Certificate certificate) {
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (((Integer) name.get(0)) == URI_NAME && String.valueOf(name.get(1)).startsWith("datamover:")) {
                        uris.add(String.valueOf(name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names: " + e.getMessage(), e);
        }
        if (uris.size() != 1) {
            throw new IllegalArgumentException("certificate '" + certificate.getSubjectX500Principal().getName()
                    + "' carries " + uris.size() + " datamover identities (URI subject alternative names), needs 1");
        }
        return parse(uris.get(0));
    }

    /** The role as written in certificates and on the command line: tap, source-gateway, target-gateway. */
    public static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Role roleNamed(String name) {
        for (Role r : Role.values()) {
            if (roleName(r).equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "' (tap, source-gateway or target-gateway)");
    }
}
