package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.bench.rpo.DaemonPipeline.Component;
import io.datamover.cli.Executables;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench e2e --transports} on a tiny disk: one run per transport, the daemons as processes, each run with
 * every daemon's CPU per MiB and a replica equal to its source; the report has a row per run and a verdict per TLS
 * provider. No figure is judged: the machine's load decides them.
 */
class TransportComparisonTest {
    @TempDir
    Path dir;

    @Test
    void eachTransportRunsOnItsOwnDaemonsAndTheReplicaEqualsTheSource() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        E2eOptions options = E2eOptions.parse("--seconds", "2", "--dir", dir.toString(), "--size", "32M",
                "--iodepth", "4", "--transports", "plaintext,tls-jdk,tls-openssl", "--warmup", "1");

        TransportComparison.Result result = TransportComparison.run(options);

        assertThat(result.runs()).extracting(TransportComparison.Run::transport)
                .containsExactly(Transport.PLAINTEXT, Transport.TLS_JDK, Transport.TLS_OPENSSL);
        for (TransportComparison.Run run : result.runs()) {
            assertThat(run.problem()).as(run.transport().label()).isEmpty();
            assertThat(run.replica().orElseThrow().equal()).as(run.transport() + " replica").isTrue();
            assertThat(run.sustained().orElseThrow().fioBytes()).isPositive();
            for (Component c : Component.values()) {
                assertThat(TransportReport.cpuMicrosPerMiB(run, c)).as(run.transport() + " " + c).isPositive();
            }
        }
        String report = TransportReport.markdown(result);
        assertThat(report.lines().filter(l -> l.matches("\\| 1 \\| (plaintext|tls-jdk|tls-openssl) \\| .*")))
                .as(report).hasSize(3).allMatch(l -> l.endsWith("| yes |"))
                .allMatch(l -> l.matches("\\| 1 \\| [a-z-]+ \\| \\d+\\.\\d \\| \\d\\.\\d\\dx \\| [\\d,]+ \\| [\\d,]+ \\| [\\d,]+ \\| [A-Z a-z]+ \\| \\d+\\.\\d \\| yes \\|"));
        assertThat(report).containsPattern("TLS >= 0.8x plaintext \\(tls-jdk, mean of 1 run\\): (PASS|FAIL)")
                .containsPattern("TLS >= 0.8x plaintext \\(tls-openssl, mean of 1 run\\): (PASS|FAIL)");
        assertThat(dir.resolve("e2e-run")).as("each run cleans up after itself").doesNotExist();
    }

    @Test
    void transportsAreParsedAndCheckedAsOptions() {
        assertThat(E2eOptions.parse("--transports", "tls-openssl,plaintext", "--rounds", "2").transports())
                .containsExactly(Transport.TLS_OPENSSL, Transport.PLAINTEXT);
        assertThat(E2eOptions.parse().transports()).as("the in-JVM run by default").isEmpty();
        assertThatThrownBy(() -> E2eOptions.parse("--transports", "tls-gnutls")).hasMessageContaining("tls-gnutls");
        assertThatThrownBy(() -> E2eOptions.parse("--transports", "plaintext,plaintext"))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> E2eOptions.parse("--rounds", "2")).hasMessageContaining("--transports");
        assertThatThrownBy(() -> E2eOptions.parse("--warmup", "5")).hasMessageContaining("--transports");
    }
}
