package io.datamover.cli.cert;

import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.PeerIdentity;
import io.datamover.protocol.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover cert create}: a daemon's certificate and key, signed by the CA of {@code --dir}, carrying the
 * identity ({@link PeerIdentity}) the peers authorize it by and the host names they dial.
 */
@Command(name = "create", header = "Make a daemon's certificate and key (ROLE.crt, ROLE.key), signed by DIR's CA.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "The certificate names one role in one pair (a tap's also the consistency groups it may write) "
                + "as its URI subject alternative name, and the --host names and addresses its peers dial. A tap "
                + "certificate is what the source gateway authorizes a tap's HELLO by; a source-gateway certificate "
                + "what the target gateway authorizes a source by. Existing ROLE.crt and ROLE.key in the output "
                + "directory are replaced only with --overwrite.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "2:bad options, no CA in DIR, or the files exist already", "3:an I/O error"})
public final class CreateCertCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "The CA's directory: ca.crt and ca.key (from 'datamover cert create-ca').")
    Path dir;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
            description = "tap, source-gateway or target-gateway.")
    String role;

    @Option(names = "--pair", required = true, paramLabel = "PAIR", description = "The replication pair id.")
    String pair;

    @Option(names = "--cg", paramLabel = "N", description = "A consistency group the tap may write (repeat for "
            + "more; taps only, at least one).")
    List<String> cgs = new ArrayList<>();

    @Option(names = "--host", required = true, paramLabel = "NAME_OR_IP",
            description = "A DNS name or IP address peers use to reach this daemon (repeat for more).")
    List<String> hosts;

    @Option(names = "--out", paramLabel = "DIR2", description = "Where to write ROLE.crt and ROLE.key (default: "
            + "--dir; created, mode 0700, if missing).")
    Path out;

    @Option(names = "--days", defaultValue = "365", paramLabel = "N",
            description = "How long the certificate is valid (default: ${DEFAULT-VALUE} days).")
    int days;

    @Option(names = "--overwrite", description = "Replace an existing ROLE.crt and ROLE.key.")
    boolean overwrite;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CertArgs.requirePositive(spec, "--days", days);
        PeerIdentity identity = identity();
        TlsFiles files = new TlsFiles(out != null ? out : dir, identity.role());
        if (!overwrite && (Files.exists(files.privateKey()) || Files.exists(files.certificateChain()))) {
            throw new CommandLine.ParameterException(spec.commandLine(), files.certificateChain() + " or "
                    + files.privateKey() + " exists already: use --overwrite to replace them");
        }
        CertificateAuthority ca = loadCa();
        try {
            PrivateFiles.createDirectories(files.dir());
            ca.issue(identity, hosts, Duration.ofDays(days), Clock.systemUTC()).writeTo(files);
        } catch (IOException e) {
            return CertArgs.ioError(spec, e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("wrote " + files.certificateChain() + " (signed by " + dir.resolve(TlsFiles.CA_CERTIFICATE) + ")");
        w.println("wrote " + files.privateKey() + " (mode 0600)");
        w.println("identity: " + identity.toUri());
        w.println("hosts: " + String.join(", ", hosts) + "; valid for " + days + " days");
        if (!Files.exists(files.trustedCertificates())) {
            w.println("copy " + dir.resolve(TlsFiles.CA_CERTIFICATE) + " to " + files.trustedCertificates()
                    + " before starting the " + role + " with --tls-dir " + files.dir());
        }
        w.flush();
        return 0;
    }

    /** The identity the options describe; a usage error for an unknown role, a bad pair or misplaced --cg. */
    private PeerIdentity identity() {
        Role parsedRole;
        List<Integer> cgIds = new ArrayList<>();
        try {
            parsedRole = PeerIdentity.roleNamed(role);
            for (String cg : cgs) {
                cgIds.add(parseCg(cg));
            }
            if (parsedRole == Role.TAP && cgIds.isEmpty()) {
                throw new IllegalArgumentException("a tap certificate needs at least one --cg: the consistency "
                        + "groups the tap may write");
            }
            if (parsedRole != Role.TAP && !cgIds.isEmpty()) {
                throw new IllegalArgumentException("--cg is for tap certificates only; a " + role + " serves "
                        + "every group of its pair");
            }
            return new PeerIdentity(parsedRole, pair, Set.copyOf(cgIds));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static int parseCg(String cg) {
        try {
            return Integer.parseUnsignedInt(cg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cg must be a consistency group id (0 to 4294967295), not '" + cg
                    + "'");
        }
    }

    private CertificateAuthority loadCa() {
        try {
            return CertificateAuthority.load(dir);
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no CA in " + dir + ": " + e.getFile()
                    + " is missing (make one with 'datamover cert create-ca --dir " + dir + "', or see 'datamover "
                    + "cert --help' to use your own CA)");
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read the CA in " + dir + ": "
                    + e.getMessage());
        }
    }
}
