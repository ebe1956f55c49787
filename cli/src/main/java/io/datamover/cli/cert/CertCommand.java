package io.datamover.cli.cert;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code datamover cert}: the CA and the certificates a lab needs for mutual TLS between taps and gateways, as
 * {@code cockroach cert} makes them. Production may use any CA instead; the help says what the daemons read.
 */
@Command(name = "cert", header = "Make a lab CA and the daemons' certificates for mutual TLS.",
        mixinStandardHelpOptions = true, usageHelpWidth = 100,
        subcommands = {CreateCaCommand.class, CreateCertCommand.class},
        description = {
            "Every connection (tap -> source gateway, source gateway -> target gateway) is mutual TLS: each side "
                    + "shows a certificate signed by a CA the other trusts, and the certificate, not the HELLO, says "
                    + "who the peer is: its role, its pair and, for a tap, the consistency groups it may write.",
            "",
            "A lab in four commands:",
            "  datamover cert create-ca --dir ca",
            "  datamover cert create --dir ca --role tap --pair P --cg 1 --host tap-host --out tls-tap",
            "  datamover cert create --dir ca --role source-gateway --pair P --host src-gw --out tls-src",
            "  datamover cert create --dir ca --role target-gateway --pair P --host dr-gw --out tls-dr",
            "then copy ca/ca.crt into each --out directory and start each daemon with --tls-dir pointing at it. "
                    + "Keep ca/ca.key off the daemons' hosts."},
        footer = {"",
            "Using your own CA instead:",
            "  A daemon reads three PEM files from its --tls-dir (ROLE: tap, source-gateway or target-gateway):",
            "    ca.crt     the CA certificates it trusts",
            "    ROLE.crt   its certificate, then any intermediates",
            "    ROLE.key   its private key: PKCS#8 ('BEGIN PRIVATE KEY'), unencrypted, mode 0600",
            "  Each certificate carries its identity as exactly one URI subject alternative name:",
            "    datamover:/pair/PAIR/role/source-gateway",
            "    datamover:/pair/PAIR/role/target-gateway",
            "    datamover:/pair/PAIR/role/tap/cg/N[,N...]   (the consistency group ids the tap may write)",
            "  plus the DNS names and IP addresses its peers dial (checked as host names), and is usable for",
            "  both TLS server and client authentication. With openssl 3:",
            "    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\",
            "      -keyout source-gateway.key -subj '/CN=source-gateway P' \\",
            "      -addext subjectAltName=URI:datamover:/pair/P/role/source-gateway,DNS:src-gw \\",
            "      -addext extendedKeyUsage=serverAuth,clientAuth -out source-gateway.csr",
            "    openssl x509 -req -in source-gateway.csr -CA ca.crt -CAkey ca.key -CAcreateserial \\",
            "      -days 365 -copy_extensions copy -out source-gateway.crt",
            "    chmod 600 source-gateway.key",
            "  See docs/security.md."})
public final class CertCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
