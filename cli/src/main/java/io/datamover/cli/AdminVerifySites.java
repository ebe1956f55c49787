package io.datamover.cli;

import io.datamover.cli.admin.DigestExchange;
import io.datamover.cli.online.VerifySites;
import io.datamover.disk.Extent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sites of {@code datamover verify --online} through the admin ports, with the operator's token: the tap's for the
 * source disks and the repair, the target gateway's for the replicas ({@link DigestExchange}).
 */
final class AdminVerifySites implements VerifySites {
    /** How long the target gateway may wait for its replicas to reach a seq before it answers 504. */
    private static final Duration REPLICA_WAIT = Duration.ofSeconds(60);
    /** Ranges per repair call: keeps the request line short. */
    private static final int RANGES_PER_REPAIR = 200;

    private final HostPort tap;
    private final HostPort target;
    private final Optional<String> authorization;
    private final long cg;

    AdminVerifySites(HostPort tap, HostPort target, Optional<String> authorization, long cg) {
        this.tap = tap;
        this.target = target;
        this.authorization = authorization;
        this.cg = cg;
    }

    @Override
    public Map<String, Long> sourceDisks() throws IOException, InterruptedException {
        Map<String, Long> disks = new LinkedHashMap<>();
        for (String line : post(tap, "/verify/disks?cg=" + cg, AdminRequest.TIMEOUT).split("\n")) {
            String[] parts = line.split(" ");
            if (parts.length == 2) {
                disks.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        return disks;
    }

    @Override
    public SourceRead source(String disk, long offset, int regionBytes, int count)
            throws IOException, InterruptedException {
        DigestExchange.Answer answer = DigestExchange.parse(post(tap, DigestExchange.DIGESTS + "?cg=" + cg
                + new DigestExchange.Request(disk, offset, regionBytes, count).query(), Duration.ofMinutes(1)));
        return new SourceRead(answer.number("streaming-stretch"), answer.number("last-seq"), answer.digests(),
                answer.number("bytes-read"));
    }

    @Override
    public ReplicaRead replica(String disk, long offset, int regionBytes, int count, long minSeq)
            throws IOException, InterruptedException {
        DigestExchange.Answer answer = DigestExchange.parse(post(target, DigestExchange.DIGESTS + "?cg=" + cg
                + new DigestExchange.Request(disk, offset, regionBytes, count).query() + "&minSeq=" + minSeq
                + "&waitMs=" + REPLICA_WAIT.toMillis(), REPLICA_WAIT.plusMinutes(1)));
        return new ReplicaRead(answer.number("applied-seq"), Boolean.parseBoolean(answer.fields().get("up-to-date")),
                answer.digests(), answer.number("bytes-read"));
    }

    @Override
    public void repair(String disk, List<Extent> ranges) throws IOException, InterruptedException {
        for (int from = 0; from < ranges.size(); from += RANGES_PER_REPAIR) {
            String list = ranges.subList(from, Math.min(ranges.size(), from + RANGES_PER_REPAIR)).stream()
                    .map(range -> range.offset() + ":" + range.length()).collect(Collectors.joining(","));
            post(tap, "/verify/repair?cg=" + cg + "&disk=" + disk + "&ranges=" + list, AdminRequest.TIMEOUT);
        }
    }

    @Override
    public void outcome(long compared, long different, long unsettled) throws IOException, InterruptedException {
        post(tap, "/verify/result?cg=" + cg + "&compared=" + compared + "&different=" + different + "&unsettled="
                + unsettled, AdminRequest.TIMEOUT);
    }

    private String post(HostPort admin, String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = AdminRequest.send("POST", URI.create("http://" + admin + pathAndQuery), timeout,
                authorization);
        if (response.statusCode() != 200) {
            throw new IOException(admin + " refused " + pathAndQuery.substring(0, pathAndQuery.indexOf('?')) + " ("
                    + response.statusCode() + "): " + response.body().strip());
        }
        return response.body();
    }
}
