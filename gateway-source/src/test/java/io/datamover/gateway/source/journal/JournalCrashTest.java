package io.datamover.gateway.source.journal;

import static io.datamover.gateway.source.journal.JournalFixtures.appendAndRelease;
import static io.datamover.gateway.source.journal.JournalFixtures.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILLs a process that is appending and syncing, then checks what the journal kept. */
class JournalCrashTest {
    @TempDir
    Path dir;
    @TempDir
    Path childLogs;

    @Test
    void everythingReportedDurableSurvivesAKillAndAppendingContinues() throws Exception {
        long lastDurable = 0;
        for (int round = 0; round < 2; round++) { // the second round appends after a recovered journal
            lastDurable = killMidStream(lastDurable + 2_000);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (Journal journal = Journal.open(JournalConfig.of(dir, 1L << 30), registry, Clock.systemUTC());
                    JournalReader reader = journal.newReader()) {
                long k = journal.lastAppendedSeq();
                assertThat(k).as("every seq reported durable is kept").isGreaterThanOrEqualTo(lastDurable);
                assertThat(journal.durableSeq()).isEqualTo(k);
                reader.seekTo(1);
                long expected = 1;
                WriteRecord r;
                while ((r = reader.next()) != null) {
                    try {
                        assertThat(r.seq()).isEqualTo(expected);
                        assertThat(r.write().payloadCrcMatches()).isTrue();
                        byte[] payload = new byte[r.write().length()];
                        r.write().payload().getBytes(r.write().payload().readerIndex(), payload);
                        assertThat(payload).isEqualTo(payloadOf(expected, 1 + (int) (expected % 5000)));
                    } finally {
                        r.release();
                    }
                    expected++;
                }
                assertThat(expected - 1).as("a gap-free prefix 1..k").isEqualTo(k);
                assertThat(registry.get("datamover.journal.entries.skipped").counters())
                        .allSatisfy(c -> assertThat(c.count()).isZero());
                lastDurable = k;
            }
        }
        try (Journal journal = Journal.open(JournalConfig.of(dir, 1L << 30), new SimpleMeterRegistry(),
                Clock.systemUTC())) {
            long next = journal.lastAppendedSeq() + 1;
            assertThat(appendAndRelease(journal, JournalFixtures.data(next, 10))).isEqualTo(AppendResult.APPENDED);
            assertThat(journal.sync()).isEqualTo(next);
        }
    }

    /** Runs the appender until it reports {@code atLeast} durable, kills it, returns the last durable it printed. */
    private long killMidStream(long atLeast) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getProperty("datamover.jvm.flags");
        assertThat(flags).as("set by the surefire configuration").isNotBlank();
        command.addAll(Arrays.asList(flags.trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashingAppender.class.getName(),
                dir.toString()));
        Process child = new ProcessBuilder(command)
                .redirectError(childLogs.resolve("child.err").toFile())
                .start();
        AtomicLong durable = new AtomicLong();
        Thread readerThread = Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("durable ")) {
                        durable.set(Long.parseLong(line.substring("durable ".length())));
                    }
                }
            } catch (IOException e) {
                // The pipe breaks when the child is killed: the last line read is what counts.
            }
        });
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> durable.get() >= atLeast || !child.isAlive());
            assertThat(child.isAlive()).as("the child is still appending when killed").isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        readerThread.join();
        return durable.get();
    }
}
