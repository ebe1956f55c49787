package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.gateway.source.journal.SmallTmpfs;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
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
        int recordBytes = 4 + 2 + 8 + GenerationHistory.first().encodedLength() + 4; // the only slot written
        for (int i = 0; i < recordBytes; i++) {
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
        Files.write(file, new byte[2 * good.length]);
        assertThatThrownBy(() -> GenerationLog.openAndStart(dir, "1", 0)).isInstanceOf(IOException.class);
    }

    @Test
    void aTornNewestSlotLeavesTheVersionBeforeIt() throws IOException {
        GenerationHistory first = GenerationLog.openAndStart(dir, "1", 0).history();
        Path file = dir.resolve(GenerationLog.FILE_NAME);
        byte[] withOne = Files.readAllBytes(file);
        GenerationLog.openAndStart(dir, "1", 5);
        byte[] torn = Files.readAllBytes(file);
        int slot = withOne.length / 2;
        torn[slot + 20] ^= 0x01; // the second write went to the second slot, and did not finish
        Files.write(file, torn);

        assertThat(GenerationLog.read(file)).isEqualTo(first);
        GenerationHistory next = GenerationLog.openAndStart(dir, "1", 5).history();
        assertThat(next.earlier()).containsExactly(new EndedGeneration(first.current(), 5, false));
        assertThat(GenerationLog.read(file)).isEqualTo(next);
    }

    @Test
    void aSingleRecordFileOfTheFirstVersionIsReadAndMovesOn() throws IOException {
        GenerationHistory stored = GenerationHistory.first();
        ByteBuf v1 = Unpooled.buffer();
        v1.writeInt(0x444D474E).writeShort(1);
        stored.writeTo(v1);
        CRC32C crc = new CRC32C();
        crc.update(v1.nioBuffer(0, v1.writerIndex()));
        v1.writeInt((int) crc.getValue());
        Path file = dir.resolve(GenerationLog.FILE_NAME);
        Files.write(file, ByteBufUtil.getBytes(v1));

        GenerationHistory next = GenerationLog.openAndStart(dir, "1", 9).history();
        assertThat(next.earlier()).containsExactly(new EndedGeneration(stored.current(), 9, false));
        assertThat(GenerationLog.read(file)).isEqualTo(next);
    }

    /** The CI failure this guards: a source gateway restarted on the disk its journal filled could not start. */
    @Test
    void aNewGenerationStartsOnAFullDisk() throws Exception {
        Path small = dir.resolve("small");
        try (SmallTmpfs disk = SmallTmpfs.mount(small, 1)) {
            GenerationLog log = GenerationLog.openAndStart(small, "1", 0);
            fill(small.resolve("filler"));
            assertThatThrownBy(() -> Files.write(small.resolve("one-more"), new byte[4096]))
                    .as("the disk is full").isInstanceOf(IOException.class);

            GenerationHistory discarding = log.startNext(3, true);
            GenerationHistory reopened = GenerationLog.openAndStart(small, "1", 7).history();
            assertThat(reopened.earlier()).containsExactly(new EndedGeneration(discarding.current(), 7, false),
                    discarding.earlier().getFirst());
            assertThat(GenerationLog.read(small.resolve(GenerationLog.FILE_NAME))).isEqualTo(reopened);
        }
    }

    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // the disk is full: what the test wants
        }
        try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.APPEND)) {
            while (true) {
                out.write(new byte[1]); // the last partial page too
                out.flush();
            }
        } catch (IOException full) {
            // full to the byte
        }
    }
}
