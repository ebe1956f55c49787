package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source group's generation history on disk: survives a restart, moves on at each opening, refuses damage. */
class GenerationLogTest {
    @TempDir
    Path dir;

    @Test
    void aNewGroupStartsItsFirstGenerationAndEachOpeningEndsTheCurrentOneAtTheJournalsSeq() throws IOException {
        GenerationHistory first = GenerationLog.openAndStart(dir, "1", 0).history();
        assertThat(first.isNone()).isFalse();
        assertThat(first.earlier()).isEmpty();

        GenerationHistory second = GenerationLog.openAndStart(dir, "1", 42).history();
        assertThat(second.earlier()).containsExactly(new EndedGeneration(first.current(), 42, false));
        assertThat(GenerationLog.read(dir.resolve(GenerationLog.FILE_NAME))).isEqualTo(second);
        assertThat(dir.resolve(GenerationLog.FILE_NAME + ".tmp")).doesNotExist();
    }

    @Test
    void aStartedGenerationIsDurableBeforeItIsSeen() throws IOException {
        GenerationLog log = GenerationLog.openAndStart(dir, "1", 0);
        GenerationHistory discarding = log.startNext(17, true);
        assertThat(log.history()).isEqualTo(discarding);
        assertThat(GenerationLog.read(dir.resolve(GenerationLog.FILE_NAME))).isEqualTo(discarding);
        // A copy of the directory carries it: opened elsewhere, it moves on from it.
        GenerationHistory reopened = GenerationLog.openAndStart(dir, "1", 20).history();
        assertThat(reopened.earlier().get(1)).isEqualTo(new EndedGeneration(discarding.earlier().getFirst().id(), 17,
                true));
    }

    @Test
    void aDamagedOrForeignFileIsRefusedNotReplaced() throws IOException {
        GenerationLog.openAndStart(dir, "1", 0);
        Path file = dir.resolve(GenerationLog.FILE_NAME);
        byte[] good = Files.readAllBytes(file);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x04;
            Files.write(file, bad);
            int at = i;
            assertThatThrownBy(() -> GenerationLog.openAndStart(dir, "1", 0)).as("byte %d flipped", at)
                    .isInstanceOf(IOException.class).hasMessageContaining(file.toString());
            assertThat(Files.readAllBytes(file)).isEqualTo(bad);
        }
        Files.write(file, new byte[3]);
        assertThatThrownBy(() -> GenerationLog.openAndStart(dir, "1", 0)).isInstanceOf(IOException.class);
    }
}
