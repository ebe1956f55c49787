package io.datamover.cli.admin;

import io.datamover.cli.online.OnlineVerify;
import io.datamover.cli.online.OnlineVerifyText;
import io.datamover.cli.online.ReadPacer;
import io.datamover.disk.compare.DiskComparison;
import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.VerifyLink;
import io.datamover.protocol.VerifyRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code datamover verify --cg N --online}, run by the source gateway. {@code POST
 * /verify/online?cg=N&region-size=B&rate=B&repair=true|false&repair-wait=S&stream-wait=S} starts the comparison
 * ({@link OnlineVerify}) on a thread of its own, asking the group's tap and target gateway for digests over their
 * links ({@link LinkVerifySites}); one run at a time per gateway (409 while one runs), 404 for a group this gateway
 * does not hold. {@code POST /verify/online/result?cg=N} answers 202 while it runs, then 200 with {@code exit-status
 * N} and the report, or 503 when a link stopped it; the last run's answer is kept until the next starts. The admin
 * port's threads are never held by a run.
 */
final class SourceVerifyActions {
    private static final Logger LOG = LoggerFactory.getLogger(SourceVerifyActions.class);
    static final String ONLINE = "/verify/online";
    static final String RESULT = "/verify/online/result";

    /** A run of group {@code cg}, and its answer once it ended. */
    private record Run(int cg, CompletableFuture<AdminActions.Answer> answer) {}

    private final SourceGateway gateway;
    private final VerifyMetrics metrics;
    /** The run going on, or the last one; null before the first. */
    private final AtomicReference<Run> latest = new AtomicReference<>();

    SourceVerifyActions(SourceGateway gateway, MeterRegistry registry) {
        this.gateway = gateway;
        this.metrics = new VerifyMetrics(registry);
    }

    AdminActions.Answer start(Map<String, String> parameters) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new AdminActions.Answer(400, "verify/online needs cg=N, a consistency group id\n");
        }
        int regionBytes;
        long rate;
        long repairWait;
        long streamWait;
        try {
            regionBytes = DiskComparison.checkedRegionSize(number(parameters, "region-size", 64 << 10));
            if (regionBytes > VerifyRequest.MAX_SPAN_BYTES) {
                throw new IllegalArgumentException("an online verify compares regions of at most "
                        + VerifyRequest.MAX_SPAN_BYTES / (1 << 20) + " MiB, not " + regionBytes + " bytes");
            }
            rate = number(parameters, "rate", 50_000_000);
            repairWait = number(parameters, "repair-wait", 300);
            streamWait = number(parameters, "stream-wait", 120);
        } catch (IllegalArgumentException e) {
            return new AdminActions.Answer(400, "verify/online: " + e.getMessage() + "\n");
        }
        VerifyLink link;
        try {
            link = gateway.verifyLink(cg);
        } catch (NoSuchElementException e) {
            return new AdminActions.Answer(404, e.getMessage() + "\n");
        }
        Run previous = latest.get();
        Run run = new Run(cg, new CompletableFuture<>());
        if (previous != null && !previous.answer().isDone() || !latest.compareAndSet(previous, run)) {
            return new AdminActions.Answer(409, "an online verify runs on this source gateway already: one at a "
                    + "time\n");
        }
        boolean repair = Boolean.parseBoolean(parameters.get("repair"));
        OnlineVerify verify = new OnlineVerify(new LinkVerifySites(link, metrics), regionBytes,
                ReadPacer.systemClock(rate), streamWait);
        Thread.ofPlatform().name("verify-online-cg-" + Integer.toUnsignedString(cg)).daemon(true)
                .start(() -> run.answer().complete(run(cg, verify, repair, repairWait)));
        LOG.info("online verify of consistency group {} started: regions of {} bytes, at most {} bytes/s{}",
                Integer.toUnsignedString(cg), regionBytes, rate, repair ? ", repairing" : "");
        return new AdminActions.Answer(200, "online verify of consistency group " + Integer.toUnsignedString(cg)
                + " started\n");
    }

    AdminActions.Answer result(Map<String, String> parameters) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        Run run = latest.get();
        if (cg == null || run == null || run.cg() != cg) {
            return new AdminActions.Answer(404, "no online verify of that consistency group ran on this source "
                    + "gateway since it started\n");
        }
        return run.answer().isDone() ? run.answer().join() : new AdminActions.Answer(202, "running\n");
    }

    private AdminActions.Answer run(int cg, OnlineVerify verify, boolean repair, long repairWait) {
        long started = System.nanoTime();
        String group = "consistency group " + Integer.toUnsignedString(cg);
        try {
            OnlineVerify.Report report = verify.run(repair, repairWait);
            LOG.info("online verify of {} ended: {} (exit status {})", group,
                    report.equal() ? "equal" : report.anyDifference() ? "different" : "unsettled regions",
                    report.exitStatus());
            return new AdminActions.Answer(200, OnlineVerifyText.EXIT_STATUS + report.exitStatus() + "\n"
                    + OnlineVerifyText.format(Integer.toUnsignedLong(cg), report,
                            Duration.ofNanos(System.nanoTime() - started)));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("online verify of {} stopped: {}", group, e.getMessage());
            return new AdminActions.Answer(503, "the online comparison of " + group + " stopped: " + e.getMessage()
                    + "\n");
        } catch (InterruptedException e) {
            return new AdminActions.Answer(503, "the online comparison of " + group + " was interrupted\n");
        } catch (RuntimeException e) {
            LOG.error("online verify of {} failed", group, e);
            return new AdminActions.Answer(500, "the online comparison of " + group + " failed: " + e + "\n");
        }
    }

    /** A parameter as a number >= 0, or {@code otherwise} when absent. */
    private static long number(Map<String, String> parameters, String name, long otherwise) {
        String value = parameters.get(name);
        if (value == null) {
            return otherwise;
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, not " + value);
        }
        if (number < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, not " + value);
        }
        return number;
    }
}
