package io.datamover.cli.admin;

import io.datamover.tap.Tap;
import io.datamover.tap.replication.WriteAdmission;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The original site's side of {@code datamover migrate} (docs/operations.md, "Planned migration"), on the tap's admin
 * port: {@code POST /migrate/hold?cg=N&max-pause-ms=M} holds new writes (they wait, for M ms at most) and answers the
 * last seq once the running ones are done; {@code /migrate/release} lets them go on; {@code
 * /migrate/move?cg=N&seq=S&to=WHERE} refuses every write from now on, durably, from a hold still in force at seq S;
 * {@code /migrate/reinstate} undoes that when the other site refused the hand-off; {@code /migrate/state} answers
 * where the writes stand. Answers start with {@code key=value} lines (state, seq, held-ms) for the command, then a
 * sentence for the operator.
 */
final class TapMigrationActions {
    static final String PREFIX = "/migrate/";
    /** How long a hold waits for the writes already running before it gives up (and lets the writes go on). */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(10);

    static boolean serves(String path) {
        return path.startsWith(PREFIX);
    }

    AdminActions.Answer post(Tap tap, String path, Map<String, String> parameters) {
        long cg = tap.config().consistencyGroupId();
        try {
            return switch (path.substring(PREFIX.length())) {
                case "hold" -> hold(tap, cg, Duration.ofMillis(Long.parseLong(parameters.getOrDefault("max-pause-ms",
                        ""))));
                case "release" -> {
                    tap.release();
                    yield state(tap, "consistency group " + cg + ": writes go on");
                }
                case "move" -> {
                    long seq = Long.parseLong(parameters.getOrDefault("seq", ""));
                    String to = parameters.getOrDefault("to", "");
                    if (to.isBlank()) {
                        yield new AdminActions.Answer(400, "migrate/move needs to=WHERE, where the disks live now\n");
                    }
                    tap.moveTo(seq, to);
                    yield state(tap, "consistency group " + cg + ": moved at seq " + seq + ": writes are refused here ("
                            + to + ")");
                }
                case "reinstate" -> {
                    tap.reinstate();
                    yield state(tap, "consistency group " + cg + ": writes are taken here again");
                }
                case "state" -> state(tap, "consistency group " + cg + ": "
                        + Objects.requireNonNullElse(describe(tap), "writes are taken here"));
                default -> null;
            };
        } catch (NumberFormatException e) {
            return new AdminActions.Answer(400, path.substring(1) + ": a number is missing or wrong: " + e.getMessage()
                    + "\n");
        } catch (IllegalStateException e) {
            return new AdminActions.Answer(409, "refused: " + e.getMessage() + "\n");
        } catch (IOException e) {
            return new AdminActions.Answer(500, path.substring(1) + " failed: " + e.getMessage() + "\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AdminActions.Answer(503, "the tap is stopping\n");
        }
    }

    private static AdminActions.Answer hold(Tap tap, long cg, Duration maxPause) throws InterruptedException,
            IOException {
        if (maxPause.isNegative() || maxPause.isZero()) {
            return new AdminActions.Answer(400, "migrate/hold needs max-pause-ms above 0\n");
        }
        long seq = tap.hold(maxPause, DRAIN_WAIT.compareTo(maxPause) < 0 ? DRAIN_WAIT : maxPause);
        if (seq < 0) {
            tap.release();
            return new AdminActions.Answer(409, "refused: consistency group " + cg + ": the writes running did not "
                    + "complete within the hold: released, nothing changed\n");
        }
        return state(tap, "consistency group " + cg + ": new writes held for up to " + maxPause.toMillis()
                + " ms; the last seq is " + seq);
    }

    private static AdminActions.Answer state(Tap tap, String sentence) throws IOException {
        WriteAdmission admission = tap.admission();
        Optional<Tap.Moved> moved = Tap.moved(tap.config().stateDir());
        long seq = moved.map(Tap.Moved::seq).orElse(tap.lastSeq());
        return new AdminActions.Answer(200, "state=" + admission.state() + "\nseq=" + seq + "\nheld-ms="
                + admission.heldMillis() + "\n" + sentence + "\n");
    }

    /** The migration's state of the writes for status: null when they are simply taken (OPEN). */
    static String describe(Tap tap) {
        WriteAdmission admission = tap.admission();
        return switch (admission.state()) {
            case OPEN -> null;
            case HELD -> "migration: new writes held for " + admission.heldMillis() + " ms (" + admission.waiting()
                    + " waiting), at seq " + tap.lastSeq() + "; they go on by themselves in "
                    + admission.heldForMillisMore() + " ms";
            case MOVED -> "moved: writes refused here: " + admission.movedTo();
        };
    }
}
