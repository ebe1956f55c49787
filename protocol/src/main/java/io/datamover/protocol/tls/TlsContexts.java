package io.datamover.protocol.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon's TLS contexts, made from its {@link TlsFiles}: TLS 1.3 only, a certificate required from both ends,
 * trust in {@code ca.crt} only, and on the client side host name verification of the server's certificate (Netty's
 * default, kept: certificates name the hosts and addresses peers dial). {@link #reload} swaps in contexts made from
 * the files as they are now; connections made from then on use them, open ones keep theirs. A reload that fails
 * keeps the contexts in use, logs an ERROR and counts it ({@link #reloadFailures()}).
 */
public final class TlsContexts {
    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);
    private static final String TLS_1_3 = "TLSv1.3";

    /** The contexts in use and what they were made from. */
    private record Loaded(TlsMaterial material, SslContext server, SslContext client) {}

    private final TlsFiles files;
    private final TlsProvider provider;
    private final Clock clock;
    private volatile Loaded loaded;
    /** The files' sizes and times when last read, successfully or not; a poll reloads when they differ. */
    private List<Object> lastSeen;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();

    private TlsContexts(TlsFiles files, TlsProvider provider, Clock clock, Loaded loaded, List<Object> seen) {
        this.files = files;
        this.provider = provider;
        this.clock = clock;
        this.loaded = loaded;
        this.lastSeen = seen;
    }

    /** Reads and checks the files as of the clock's now; a {@link TlsSetupException} says what is wrong. */
    public static TlsContexts load(TlsFiles files, TlsProvider provider, Clock clock) throws TlsSetupException {
        List<Object> seen = stamp(files);
        return new TlsContexts(files, provider, clock, make(files, provider, clock), seen);
    }

    private static Loaded make(TlsFiles files, TlsProvider provider, Clock clock) throws TlsSetupException {
        TlsMaterial m = TlsMaterial.load(files, clock.instant());
        SslProvider netty = provider.netty();
        try {
            SslContext server = SslContextBuilder.forServer(m.key(), m.chain())
                    .trustManager(m.trusted())
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TLS_1_3)
                    .sslProvider(netty)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(m.key(), m.chain())
                    .trustManager(m.trusted())
                    .protocols(TLS_1_3)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .sslProvider(netty)
                    .build();
            return new Loaded(m, server, client);
        } catch (SSLException | RuntimeException e) {
            throw new TlsSetupException(files.dir() + ": cannot make a TLS context of " + files.certificateChain()
                    + " and " + files.privateKey() + ": " + e.getMessage(), e);
        }
    }

    /** For accepted connections. */
    public SslContext server() {
        return loaded.server;
    }

    /** For connections this daemon makes. */
    public SslContext client() {
        return loaded.client;
    }

    public TlsFiles files() {
        return files;
    }

    public TlsProvider provider() {
        return provider;
    }

    /** The files in use now. */
    public TlsMaterial material() {
        return loaded.material;
    }

    /** Reloads so far that swapped in new contexts. */
    public long reloads() {
        return reloads.get();
    }

    /** Reloads so far that failed and kept the contexts in use. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /**
     * Makes contexts from the files as they are now and uses them for new connections. On failure keeps the contexts
     * in use, logs an ERROR saying why and counts it.
     *
     * @param why what asked for it, for the log ("SIGHUP", "a file changed")
     * @return whether the new files are in use
     */
    public synchronized boolean reload(String why) {
        lastSeen = stamp(files);
        try {
            Loaded next = make(files, provider, clock);
            loaded = next;
            reloads.incrementAndGet();
            LOG.info("TLS files of {} reloaded ({}): certificate serial {}, {}, valid until {}", files.dir(), why,
                    next.material.certificate().getSerialNumber().toString(16), next.material.identity().toUri(),
                    next.material.certificate().getNotAfter().toInstant());
            return true;
        } catch (TlsSetupException e) {
            reloadFailures.incrementAndGet();
            LOG.error("TLS files of {} NOT reloaded ({}), new connections keep using certificate serial {}: {}",
                    files.dir(), why, loaded.material.certificate().getSerialNumber().toString(16), e.getMessage());
            return false;
        }
    }

    /**
     * Reloads when a file's size, times (modification, inode change) or inode changed since the files were last read;
     * for a periodic poll.
     */
    public synchronized boolean reloadIfChanged() {
        if (Objects.equals(lastSeen, stamp(files))) {
            return false;
        }
        return reload("a file changed");
    }

    /** Seconds from the clock's now to {@code end}; negative once past. */
    public long secondsUntil(Instant end) {
        return end.getEpochSecond() - clock.instant().getEpochSecond();
    }

    /** The inode's change time where there is one: a chmod that fixes a key's mode changes it. */
    private static Object changeTime(Path file) throws IOException {
        try {
            return Files.getAttribute(file, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return "";
        }
    }

    private static List<Object> stamp(TlsFiles files) {
        List<Object> stamp = new ArrayList<>();
        for (Path file : List.of(files.trustedCertificates(), files.certificateChain(), files.privateKey())) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                stamp.add(List.of(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()), changeTime(file)));
            } catch (IOException e) {
                stamp.add(List.of()); // missing: the load says so
            }
        }
        return stamp;
    }
}
