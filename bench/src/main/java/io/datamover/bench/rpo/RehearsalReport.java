package io.datamover.bench.rpo;

import static io.datamover.bench.rpo.GuestPhaseTable.fmt;
import static io.datamover.bench.rpo.GuestPhaseTable.passFail;

import io.datamover.bench.Sizes;

/**
 * {@link RehearsalBench.Figures} as markdown, with issue 18's goal for a rehearsal as PASS or FAIL: the RPO stays
 * within its objective while a rehearsal runs under the same load, taken here as the RPO goal the project's benches
 * hold replication to (the source gateway's own RPO p99 under {@link #RPO_OBJECTIVE_SECONDS}); the RPO without a
 * rehearsal, before and after, is the reference of the same run.
 */
final class RehearsalReport {
    static final double RPO_OBJECTIVE_SECONDS = 1.0;

    private RehearsalReport() {}

    static String markdown(MachineFacts machine, OperationBenchOptions o, RehearsalBench.Figures f) {
        StringBuilder md = new StringBuilder(GuestPhaseTable.header(machine, o));
        md.append("| rehearsal | datamover rehearse start --cg 1 (--preserve-max ").append(Sizes.human(2 * o.diskBytes()))
                .append(", --scratch-max 64 MiB, no test VM I/O), then rehearse stop |\n\n");
        md.append(new GuestPhaseTable().row("no rehearsal (before)", f.before()).row("rehearsal running", f.during())
                .row("no rehearsal (after stop)", f.after()).markdown());
        md.append('\n').append(fmt("Before-images kept for the view at the end of the rehearsal's phase: %,d bytes%n",
                f.preservedBytes()));
        double with = f.during().pipelineRpo().p99();
        double without = Math.max(f.before().pipelineRpo().p99(), f.after().pipelineRpo().p99());
        md.append(fmt("Source RPO p99 with a rehearsal running < %.1f s: %s (%.3f s; %.3f s at worst without)%n",
                RPO_OBJECTIVE_SECONDS, passFail(with < RPO_OBJECTIVE_SECONDS && f.during().tapStayedStreaming()), with,
                without));
        return md.toString();
    }
}
