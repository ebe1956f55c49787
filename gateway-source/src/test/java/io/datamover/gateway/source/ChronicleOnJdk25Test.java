package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the JVM flags in the root pom are enough for Chronicle Queue on JDK 25: a journal is
 * written, closed, reopened, and a named tailer reads back every record in order.
 */
class ChronicleOnJdk25Test {
    @Test
    void writesAndReadsBackAJournalAcrossReopen(@TempDir Path dir) {
        try (ChronicleQueue q = SingleChronicleQueueBuilder.single(dir.toFile()).build();
                ExcerptAppender appender = q.createAppender()) {
            for (int i = 0; i < 1000; i++) {
                Bytes<?> b = Bytes.allocateElasticDirect(16);
                try {
                    b.writeLong(i).writeInt(i * 7);
                    appender.writeBytes(b);
                } finally {
                    b.releaseLast();
                }
            }
        }
        long sum = 0;
        int count = 0;
        try (ChronicleQueue q = SingleChronicleQueueBuilder.single(dir.toFile()).build();
                ExcerptTailer tailer = q.createTailer("shipper")) {
            Bytes<?> b = Bytes.allocateElasticDirect(16);
            try {
                while (tailer.readBytes(b)) {
                    long seq = b.readLong();
                    assertThat(seq).isEqualTo(count);
                    assertThat(b.readInt()).isEqualTo(count * 7);
                    sum += seq;
                    count++;
                    b.clear();
                }
            } finally {
                b.releaseLast();
            }
        }
        assertThat(count).isEqualTo(1000);
        assertThat(sum).isEqualTo(999L * 1000 / 2);
    }
}
