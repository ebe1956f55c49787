package io.datamover.cli.cert;

import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.tls.CertificateAuthority;
import io.datamover.protocol.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover cert create-ca}: a new self-signed lab CA, ca.crt and ca.key in a directory. */
@Command(name = "create-ca", header = "Make a self-signed CA for a lab: DIR/ca.crt and DIR/ca.key (mode 0600).",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = "Copy ca.crt into every daemon's --tls-dir; keep ca.key where you run 'datamover cert create', "
                + "not on the daemons' hosts. An existing ca.key is never replaced without --overwrite: every "
                + "certificate it signed would stop being trusted.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "2:bad options, or a CA exists already", "3:an I/O error"})
public final class CreateCaCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to write ca.crt and ca.key "
            + "(created, mode 0700, if missing).")
    Path dir;

    @Option(names = "--days", defaultValue = "3650", paramLabel = "N",
            description = "How long the CA is valid (default: ${DEFAULT-VALUE} days).")
    int days;

    @Option(names = "--name", defaultValue = "datamover lab CA", paramLabel = "CN",
            description = "The CA's common name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--overwrite", description = "Replace an existing CA in DIR.")
    boolean overwrite;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CertArgs.requirePositive(spec, "--days", days);
        Path key = dir.resolve(TlsFiles.CA_KEY);
        if (Files.exists(key) && !overwrite) {
            throw new CommandLine.ParameterException(spec.commandLine(), key + " exists already; every certificate "
                    + "it signed would stop being trusted if it were replaced: use --overwrite to replace it anyway");
        }
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.create(name, Duration.ofDays(days), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name: " + e.getMessage());
        }
        try {
            PrivateFiles.createDirectories(dir);
            ca.writeTo(dir);
        } catch (IOException e) {
            return CertArgs.ioError(spec, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + dir.resolve(TlsFiles.CA_CERTIFICATE) + " (the CA certificate: copy it into every "
                + "daemon's --tls-dir)");
        out.println("wrote " + key + " (the CA's private key, mode 0600: keep it off the daemons' hosts)");
        out.println("valid for " + days + " days; subject: " + ca.certificate().getSubjectX500Principal().getName());
        out.flush();
        return 0;
    }
}
