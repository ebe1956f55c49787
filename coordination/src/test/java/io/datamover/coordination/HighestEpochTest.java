package io.datamover.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HighestEpochTest {
    @TempDir
    Path dir;

    @Test
    void refusesALowerEpochAfterAHigherOneEvenAfterReopening() throws IOException {
        Path file = dir.resolve("cg1.epoch");
        HighestEpoch seen = HighestEpoch.open(file);
        assertThat(seen.admit(3)).isTrue();
        assertThat(seen.admit(3)).isTrue();
        assertThat(seen.admit(2)).isFalse();

        HighestEpoch reopened = HighestEpoch.open(file);
        assertThat(reopened.highest()).isEqualTo(3);
        assertThat(reopened.admit(2)).isFalse();
        assertThat(reopened.admit(7)).isTrue();
        assertThat(HighestEpoch.open(file).highest()).isEqualTo(7);
    }

    @Test
    void aDamagedFileIsAnErrorNotAZero() throws IOException {
        Path file = dir.resolve("cg1.epoch");
        Files.write(file, new byte[3]);
        assertThatThrownBy(() -> HighestEpoch.open(file)).isInstanceOf(IOException.class).hasMessageContaining("3 bytes");
    }
}
