package io.datamover.gateway.source.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Child process of {@link JournalCrashTest}: appends and group-commits forever, printing
 * "durable &lt;seq&gt;" after every sync, until the test kills it.
 */
public final class CrashingAppender {
    private CrashingAppender() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try (Journal journal = Journal.open(JournalConfig.of(dir, 1L << 30), new SimpleMeterRegistry(),
                Clock.systemUTC())) {
            long seq = journal.lastAppendedSeq();
            while (true) {
                int groupSize = 1 + (int) (seq % 97);
                for (int i = 0; i < groupSize; i++) {
                    seq++;
                    JournalFixtures.appendAndRelease(journal, JournalFixtures.data(seq, 1 + (int) (seq % 5000)));
                }
                System.out.println("durable " + journal.sync());
                System.out.flush();
            }
        }
    }
}
