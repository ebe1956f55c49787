package io.datamover.bench.rpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.bench.rpo.DaemonPipeline.Component;
import io.datamover.cli.Executables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench e2e}'s sustained-rate search on a tiny disk: two steps per transport on the same daemons, each with
 * the bytes the replica applied (the applier's counter), every daemon's CPU per MiB and a judged outcome; the
 * replica equals its source; the report has every step, the summary and the TLS verdict. Which steps hold is the
 * machine's load's to decide, not judged here.
 */
class SustainedRateRampTest {
    @TempDir
    Path dir;

    @Test
    void eachTransportRampsOnItsOwnDaemonsAndTheReplicaEqualsTheSource() throws Exception {
        assumeTrue(Executables.onPath("fio"), "fio is not installed");
        RampOptions options = RampOptions.parse("--dir", dir.toString(), "--size", "32M", "--iodepth", "4",
                "--transports", "plaintext,tls-openssl", "--steps", "2", "--step-seconds", "2", "--start-rate", "4M",
                "--resolution", "1M", "--warmup", "0", "--max-rpo", "5");

        SustainedRateRamp.Result result = SustainedRateRamp.run(options);

        assertThat(result.transports()).extracting(SustainedRateRamp.TransportRamp::transport)
                .containsExactly(Transport.PLAINTEXT, Transport.TLS_OPENSSL);
        for (SustainedRateRamp.TransportRamp ramp : result.transports()) {
            assertThat(ramp.problem()).as(ramp.transport().label()).isEmpty();
            assertThat(ramp.replica().orElseThrow().equal()).as(ramp.transport() + " replica").isTrue();
            assertThat(ramp.steps()).hasSize(2).first().extracting(RampStep::rate).isEqualTo(4L << 20);
            for (RampStep step : ramp.steps()) {
                assertThat(step.phase().fioBytes()).isPositive();
                assertThat(step.appliedBytes()).as("the applier's counter moved").isPositive();
                assertThat(step.outcome()).isEqualTo(RampStep.judge(step.rate(), step.phase(),
                        step.rpoAtEndSeconds(), 5));
                for (Component c : Component.values()) {
                    assertThat(step.cpuMicrosPerMiB(c)).as(ramp.transport() + " " + c).isPositive();
                }
            }
        }
        String report = RampReport.markdown(result);
        assertThat(report.lines().filter(l -> l.matches("\\| (plaintext|tls-openssl) \\| [12] \\| [0-9.]+ \\| .*")))
                .as(report).hasSize(4);
        assertThat(report.lines().filter(l -> l.matches("\\| (plaintext|tls-openssl) \\| .* \\| yes \\|"))).as(report)
                .hasSize(2);
        assertThat(report).containsPattern("TLS sustained rate >= 0.8x plaintext \\(tls-openssl\\): (PASS|FAIL|n/a)")
                .doesNotContain("NaN");
        assertThat(dir.resolve("ramp-run")).as("each transport cleans up after itself").doesNotExist();
    }

    @Test
    void theOptionsAreCheckedAndFlatOutIsTheEarlierBench() {
        RampOptions defaults = RampOptions.parse();
        assertThat(defaults.transports()).containsExactly(Transport.PLAINTEXT, Transport.TLS_JDK,
                Transport.TLS_OPENSSL);
        assertThat(defaults.startRate() % defaults.resolution()).isZero();
        assertThatThrownBy(() -> RampOptions.parse("--start-rate", "10M")).hasMessageContaining("--resolution");
        assertThatThrownBy(() -> RampOptions.parse("--seconds", "60")).hasMessageContaining("--flat-out");
        assertThatThrownBy(() -> RampOptions.parse("--transports", "plaintext,plaintext")).hasMessageContaining("once");
        assertThat(E2eOptions.parse("--seconds", "60").phaseSeconds()).isEqualTo(60);
    }
}
