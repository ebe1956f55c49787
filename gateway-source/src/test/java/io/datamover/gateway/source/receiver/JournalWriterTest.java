package io.datamover.gateway.source.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalFixtures;
import io.datamover.gateway.source.journal.JournalFixtures.ManualClock;
import io.datamover.gateway.source.journal.JournalReader;
import io.datamover.gateway.source.journal.SmallTmpfs;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's owner thread when the journal cannot go on: its disk full (a small tmpfs the journal fills itself;
 * root needed, else aborted) refuses the tap with JOURNAL_FULL, backs off, and takes records again once released
 * entries gave space back; an unexpected failure refuses the tap with STORAGE_FAILURE, says so, and leaves the
 * journal open for the shipper.
 */
class JournalWriterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int RECORD_BYTES = 60_000;

    @TempDir
    Path base;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();

    @Test
    void aFullDiskRefusesTheTapWithJournalFullAndTakesRecordsAgainOnceSpaceIsBack() throws Exception {
        Path mount = base.resolve("disk");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(mount, 8); JournalWriter writer = JournalWriter.start("1", JournalConfig.of(mount.resolve("journal"), 1L << 30),
                64L << 20, durable -> { }, () -> { }, registry, clock)) {
            RecordingTap tap = new RecordingTap();
            long resume = writer.attach(tap).get(10, TimeUnit.SECONDS);
            for (long seq = resume + 1; seq <= resume + 300; seq++) { // 17 MiB: twice the disk
                writer.append(record(seq), tap);
            }
            await().atMost(WAIT).until(() -> tap.refusal.get() != null);
            await().atMost(WAIT).until(() -> writer.storageError() != null);
            assertThat(tap.refusal.get().code()).isEqualTo(ErrorCode.JOURNAL_FULL);
            assertThat(tap.refusal.get().getMessage()).contains("No space left on device");
            assertThat(writer.storageError()).contains("No space left on device");
            assertThat(gauge()).isEqualTo(1);
            long durable = writer.durableSeq();
            assertThat(tap.acked.get()).as("acked what is durable before the refusal").isEqualTo(durable);

            // The tap reconnects at once: refused again without a try, until the backoff has passed.
            double failures = failures();
            RecordingTap again = new RecordingTap();
            assertThat(writer.attach(again).get(10, TimeUnit.SECONDS)).isEqualTo(durable);
            writer.append(record(durable + 1), again);
            await().atMost(WAIT).until(() -> again.refusal.get() != null);
            assertThat(again.refusal.get().code()).isEqualTo(ErrorCode.JOURNAL_FULL);
            assertThat(failures()).as("no try within the backoff").isEqualTo(failures);

            writer.release(durable); // the target acknowledged everything: punched out, space is back
            clock.advance(Duration.ofSeconds(2));
            RecordingTap back = new RecordingTap();
            assertThat(writer.attach(back).get(10, TimeUnit.SECONDS)).isEqualTo(durable);
            writer.append(record(durable + 1), back);
            await().atMost(WAIT).until(() -> back.acked.get() == durable + 1 || back.refusal.get() != null);
            assertThat(back.refusal.get()).isNull();
            assertThat(writer.storageError()).isNull();
            assertThat(gauge()).isZero();
        }
    }

    @Test
    void anUnexpectedFailureRefusesWithStorageFailureAndKeepsTheJournalOpenForTheShipper() throws Exception {
        AtomicBoolean failedCalled = new AtomicBoolean();
        try (JournalWriter writer = JournalWriter.start("1", JournalConfig.of(base.resolve("journal"), 1L << 30),
                64L << 20, durable -> {
                    throw new IllegalStateException("a bug in the durable listener");
                }, () -> failedCalled.set(true), registry, clock)) {
            RecordingTap tap = new RecordingTap();
            long resume = writer.attach(tap).get(10, TimeUnit.SECONDS);
            writer.append(record(resume + 1), tap);
            await().atMost(WAIT).until(() -> tap.refusal.get() != null && failedCalled.get());
            assertThat(tap.refusal.get().code()).isEqualTo(ErrorCode.STORAGE_FAILURE);
            assertThat(writer.failure()).contains("a bug in the durable listener");

            RecordingTap next = new RecordingTap();
            assertThatThrownBy(() -> writer.attach(next).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(e -> {
                        ProtocolException p = (ProtocolException) e.getCause();
                        assertThat(p.code()).as(p.getMessage()).isEqualTo(ErrorCode.STORAGE_FAILURE);
                        assertThat(p.getMessage()).contains("a bug in the durable listener");
                    });

            // The shipper still reads what is durable: the failed owner has not closed the journal under it.
            var reader = Executors.newSingleThreadExecutor();
            try {
                WriteRecord read = reader.submit(() -> {
                    try (JournalReader r = writer.journal().newReader()) {
                        return r.next();
                    }
                }).get(10, TimeUnit.SECONDS);
                assertThat(read.seq()).isEqualTo(resume + 1);
                read.release();
            } finally {
                reader.shutdown();
            }
        }
    }

    private double gauge() {
        return registry.get("datamover.source.journal.storage.failed").gauge().value();
    }

    private double failures() {
        return registry.get("datamover.journal.write.failures").counter().count();
    }

    private static WriteRecord record(long seq) {
        return JournalFixtures.data(seq, RECORD_BYTES);
    }

    /** The tap as the writer sees it: what it acknowledged and why it refused. */
    private static final class RecordingTap implements TapLink {
        final AtomicLong acked = new AtomicLong();
        final AtomicReference<ProtocolException> refusal = new AtomicReference<>();

        @Override
        public void acknowledgeDurable(long seq) {
            acked.set(seq);
        }

        @Override
        public void refuse(ProtocolException why) {
            refusal.compareAndSet(null, why);
        }

        @Override
        public void resyncRegions(io.datamover.protocol.ResyncRegions regions) { }

        @Override
        public boolean sendVerify(io.datamover.protocol.Frame request) {
            return false;
        }

        @Override
        public void resumeReading() { }
    }
}
