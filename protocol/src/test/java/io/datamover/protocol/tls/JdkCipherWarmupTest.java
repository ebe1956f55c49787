package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

class JdkCipherWarmupTest {
    @Test
    void everyRecordDecryptsInPlaceToWhatWasEncrypted() {
        // run() compares each decrypted record with its plaintext and throws on the first that differs; a wrong
        // limit or offset in the in-place calls fails the GCM tag check (AEADBadTagException) or that comparison.
        assertThatCode(() -> JdkCipherWarmup.run(64)).doesNotThrowAnyException();
    }
}
