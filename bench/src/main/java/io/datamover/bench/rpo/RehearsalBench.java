package io.datamover.bench.rpo;

import io.datamover.bench.process.LoopbackPorts;
import io.datamover.bench.process.PrometheusText;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code bin/bench rehearsal}: the guest's fio job three times on a pair whose disk is written full: without a
 * rehearsal, with one running ({@code datamover rehearse start} at the target gateway: a copy-on-write view of the
 * replica served over NBD, the applier keeping the before-image of each region it overwrites that the view still
 * shows), and without again after {@code rehearse stop}; the RPO sampled every 100 ms in each (the source gateway's
 * own, the figure of {@code datamover_source_rpo_seconds}, and the end-to-end one), and the before-images kept.
 */
final class RehearsalBench {
    private static final Duration COMMAND = Duration.ofMinutes(3);

    /**
     * @param before the guest's phase without a rehearsal
     * @param during the same phase with a rehearsal running
     * @param after the same phase once the rehearsal stopped
     * @param preservedBytes the target's {@code datamover_rehearsal_preserved_bytes} at the end of {@code during}
     */
    record Figures(PhaseResult before, PhaseResult during, PhaseResult after, OperatorCommand.Outcome start,
            OperatorCommand.Outcome stop, long preservedBytes) {}

    private RehearsalBench() {}

    static Figures measure(DaemonPipeline pipeline, OperationBenchOptions options, Path work) throws Exception {
        AdminProbe probe = pipeline.probe();
        String targetAdmin = "127.0.0.1:" + probe.targetAdminPort();
        PhaseResult before = VerifyBench.guestPhase(pipeline, options);
        OperatorCommand.Outcome start = OperatorCommand.run(work, pipeline.adminToken(), COMMAND, List.of("rehearse",
                "start", "--cg", "1", "--admin", targetAdmin, "--nbd", "127.0.0.1:" + LoopbackPorts.next(),
                // Room for a before-image of every region: the guest overwrites the written disk at random.
                "--preserve-max", Long.toString(2 * options.diskBytes()), "--scratch-max", "64M"));
        if (start.exitCode() != 0) {
            throw new IOException("rehearse start failed (exit " + start.exitCode() + "): " + start.output());
        }
        PhaseResult during = VerifyBench.guestPhase(pipeline, options);
        long preserved = Math.max(0, PrometheusText.sum(pipeline.admin().get(probe.targetAdminPort(), "/metrics"),
                "datamover_rehearsal_preserved_bytes", "cg=\"1\""));
        OperatorCommand.Outcome stop = OperatorCommand.run(work, pipeline.adminToken(), COMMAND, List.of("rehearse",
                "stop", "--cg", "1", "--admin", targetAdmin));
        if (stop.exitCode() != 0) {
            throw new IOException("rehearse stop failed (exit " + stop.exitCode() + "): " + stop.output());
        }
        PhaseResult after = VerifyBench.guestPhase(pipeline, options);
        return new Figures(before, during, after, start, stop, preserved);
    }

}
