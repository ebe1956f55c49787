package io.datamover.cli;

import io.datamover.cli.admin.TransportMetrics;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.JdkCipherWarmup;
import io.datamover.protocol.tls.PeerIdentity;
import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TlsFiles;
import io.datamover.protocol.tls.TlsProvider;
import io.datamover.protocol.tls.TlsReloader;
import io.datamover.protocol.tls.TlsSetupException;
import io.datamover.protocol.tls.TransportSecurity;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code --tls-dir}, {@code --tls-provider} and {@code --insecure-plaintext}, mixed into every daemon. */
final class TlsOption {
    private static final Logger LOG = LoggerFactory.getLogger(TlsOption.class);

    @CommandLine.Option(names = "--tls-dir", paramLabel = "DIR",
            description = "Mutual TLS 1.3 with the PEM files of DIR: ca.crt (the CAs trusted: a peer's certificate"
                    + " must chain to one of them), ROLE.crt and ROLE.key (this daemon's certificate and private key;"
                    + " ROLE is tap, source-gateway or target-gateway; the key readable by its owner only). The"
                    + " certificate names the host names and addresses peers dial (they verify them). Reloaded on"
                    + " SIGHUP and when the files change. Make them with 'datamover cert create-ca' and"
                    + " 'datamover cert create', or with your own CA (docs/security.md).")
    Path tlsDir;

    @CommandLine.Option(names = "--tls-provider", defaultValue = "jdk", paramLabel = "jdk|openssl",
            description = "TLS implementation: the JDK's, or BoringSSL (netty-tcnative) (default: ${DEFAULT-VALUE}).")
    String tlsProvider;

    @CommandLine.Option(names = "--tls-warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With the JDK provider, encrypt and decrypt 128 MiB on a background thread at start, so the"
                    + " JIT has compiled the JDK's AES-GCM before the first link needs it (until then it runs at a few"
                    + " MB/s). --no-tls-warmup saves those few CPU seconds where links carry little, as in tests.")
    boolean tlsWarmup;

    @CommandLine.Option(names = "--insecure-plaintext",
            description = "No TLS: anyone who reaches the ports can read and write replicated data. For tests and"
                    + " isolated labs only; logged as a WARN, shown in status and in the metric"
                    + " datamover_insecure_plaintext.")
    boolean insecurePlaintext;

    /** Checks the choice with the other options: exactly one of --tls-dir and --insecure-plaintext. */
    void check() {
        if (tlsDir != null && insecurePlaintext) {
            throw new IllegalArgumentException("--tls-dir and --insecure-plaintext exclude each other");
        }
        if (tlsDir == null && !insecurePlaintext) {
            throw new IllegalArgumentException("no TLS files: give --tls-dir DIR (make a lab CA and certificates with"
                    + " 'datamover cert create-ca --dir DIR' and 'datamover cert create --dir DIR --role ROLE --pair"
                    + " PAIR --host NAME_OR_IP', or use your own CA: docs/security.md), or run without TLS with"
                    + " --insecure-plaintext");
        }
        TlsProvider.named(tlsProvider);
    }

    /**
     * The daemon's transport security: its TLS files read and checked (refused with a {@link TlsSetupException}
     * naming the file), reloaded from then on, and their metrics; or plaintext, with a WARN.
     */
    TransportSecurity open(Role role, MeterRegistry registry, CommandLine command) throws TlsSetupException {
        try {
            check();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
        TransportSecurity transport;
        if (insecurePlaintext) {
            LOG.warn("--insecure-plaintext: this {} speaks plaintext and proves nobody: anyone who reaches its ports"
                    + " can read and write replicated data", PeerIdentity.roleName(role));
            transport = TransportSecurity.insecurePlaintext();
        } else {
            TlsProvider provider = TlsProvider.named(tlsProvider);
            TlsContexts contexts = TlsContexts.load(new TlsFiles(tlsDir, role), provider, Clock.systemUTC());
            if (provider == TlsProvider.JDK && tlsWarmup) {
                JdkCipherWarmup.startInBackground(System::nanoTime);
            }
            TlsReloader.start(contexts, TlsReloader.DEFAULT_POLL_INTERVAL); // for the process's life
            transport = TransportSecurity.tls(contexts);
            LOG.info("{}: certificate '{}' ({}), serial {}, valid until {}", transport,
                    contexts.material().certificate().getSubjectX500Principal().getName(),
                    contexts.material().identity().toUri(),
                    contexts.material().certificate().getSerialNumber().toString(16),
                    contexts.material().certificate().getNotAfter().toInstant());
        }
        TransportMetrics.register(registry, transport);
        return transport;
    }

    /**
     * The pair a daemon serves: {@code --pair} when given, which under TLS must be its certificate's pair (else every
     * peer would refuse it, or it every peer, until someone read the logs); otherwise under TLS the certificate's.
     */
    static Optional<String> pair(String given, TransportSecurity transport, CommandLine command) {
        Optional<PeerIdentity> own = transport.contexts().map(tls -> tls.material().identity());
        if (given != null && own.isPresent() && !given.equals(own.get().pairId())) {
            throw new CommandLine.ParameterException(command, "--pair " + given + ", but this daemon's certificate is"
                    + " for pair '" + own.get().pairId() + "' (" + own.get().toUri() + "): give its pair or another"
                    + " certificate");
        }
        return Optional.ofNullable(given).or(() -> own.map(PeerIdentity::pairId));
    }

    /** Under TLS, a tap's certificate must name its consistency group: a source gateway refuses it otherwise. */
    static void requireGroup(int cgId, TransportSecurity transport, CommandLine command) {
        transport.contexts().map(tls -> tls.material().identity()).filter(own -> !own.mayWrite(cgId))
                .ifPresent(own -> {
                    throw new CommandLine.ParameterException(command, "--cg-id " + Integer.toUnsignedString(cgId)
                            + ", but this tap's certificate names only the groups of " + own.toUri()
                            + ": give one of them or another certificate");
                });
    }
}
