package io.datamover.bench.rpo;

import static io.datamover.bench.rpo.GuestPhaseTable.fmt;
import static io.datamover.bench.rpo.GuestPhaseTable.mb;
import static io.datamover.bench.rpo.GuestPhaseTable.passFail;

import io.datamover.bench.rpo.VerifyBench.Pass;

/**
 * {@link VerifyBench.Figures} as markdown, with issue 18's goals for online verify as PASS or FAIL: its read rate
 * stays within {@code --rate} (at most {@link #LIMIT_SLACK} of it), the guest keeps its throughput while verify runs
 * (at least {@link #GUEST_KEPT} of it without), replication keeps streaming, and no pass reports a difference that
 * is not there. MB is 10^6 bytes.
 */
final class VerifyReport {
    static final double LIMIT_SLACK = 1.1;
    static final double GUEST_KEPT = 0.95;

    private VerifyReport() {}

    static String markdown(MachineFacts machine, OperationBenchOptions o, VerifyBench.Figures f) {
        StringBuilder md = new StringBuilder(GuestPhaseTable.header(machine, o));
        md.append("| verify | datamover verify --cg 1 --online, each pass a new JVM; --rate ").append(mb(o.verifyRate()))
                .append(" MB/s where limited |\n\n");
        md.append("| verify pass | read (both sites) MB | seconds | MB/s | outcome |\n|---|---|---|---|---|\n");
        pass(md, "unlimited (--rate 0)", f.unlimited());
        pass(md, "--rate " + mb(o.verifyRate()) + " MB/s", f.limited());
        int n = 0;
        for (Pass p : f.during()) {
            pass(md, "during the guest's phase, " + ++n, p);
        }
        md.append('\n').append(new GuestPhaseTable().row("guest alone", f.without())
                .row("guest with verify at --rate " + mb(o.verifyRate()) + " MB/s", f.with())
                .row("guest alone again", f.after()).markdown());
        double kept = f.guestKept();
        double limit = f.limited().bytesPerSecond() / o.verifyRate();
        boolean noFalseDifference = f.unlimited().noDifference() && f.limited().noDifference()
                && f.during().stream().allMatch(Pass::noDifference);
        md.append('\n')
                .append(fmt("Online verify, unlimited: %s MB/s read (both sites)%n", mb(f.unlimited().bytesPerSecond())))
                .append(fmt("Online verify within --rate (at most %.1fx of it): %s (%.2fx)%n", LIMIT_SLACK,
                        passFail(limit <= LIMIT_SLACK), limit))
                .append(fmt("Guest throughput with verify running >= %.2fx without (the mean of before and after):"
                        + " %s (%.2fx; p99 write latency %.2f ms against %.2f and %.2f)%n", GUEST_KEPT,
                        passFail(kept >= GUEST_KEPT), kept, f.with().guestLatency().p99Nanos() / 1e6,
                        f.without().guestLatency().p99Nanos() / 1e6, f.after().guestLatency().p99Nanos() / 1e6))
                .append(fmt("Replication streaming while verify ran: %s%n", passFail(f.with().tapStayedStreaming())))
                .append(fmt("No false difference (every pass EQUAL, or unsettled regions only): %s%n",
                        passFail(noFalseDifference)));
        return md.toString();
    }

    private static void pass(StringBuilder md, String name, Pass p) {
        md.append("| ").append(name).append(" | ").append(mb(p.bytesRead())).append(" | ")
                .append(fmt("%.2f", p.seconds())).append(" | ").append(mb(p.bytesPerSecond())).append(" | ")
                .append(p.outcome().exitCode() == 0 ? "EQUAL" : p.outcome().exitCode() == 4 ? "unsettled regions"
                        : "exit " + p.outcome().exitCode() + ": " + firstLine(p.outcome().output()))
                .append(" |\n");
    }

    private static String firstLine(String output) {
        return output.lines().filter(l -> !l.isBlank()).findFirst().orElse("(no output)").replace("|", "\\|");
    }
}
