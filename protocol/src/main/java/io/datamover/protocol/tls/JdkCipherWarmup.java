package io.datamover.protocol.tls;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the JDK's AES-GCM compiled before a link needs it. HotSpot runs the JDK's AES-GCM at a GB/s only once C2 has
 * compiled it (its AES, GHASH and fused AES-GCM stubs are used from compiled code only), after some thousands of
 * records; until then the JDK's TLS encrypts and decrypts at a few MB/s. Carried by the traffic, those records took a
 * fresh daemon's first link 20 s at 2 MB/s on a busy machine (the tap's window filled, it fell to bitmap mode;
 * docs/benchmarks.md, "TLS against plaintext"); a thread of its own gets there in seconds.
 *
 * <p>Encrypts and decrypts {@link #RECORDS} full TLS 1.3 records in place in a heap buffer with a throwaway key: the
 * calls, and the sizes, the JDK's record layer makes on the heap buffers Netty hands it ({@link HeapCumulator}), so
 * the compiled code fits the traffic that follows. On two busy cores the records ran at a GB/s from about the
 * 2,500th on; twice that many leaves room. Each record is checked to decrypt to what was encrypted.
 */
public final class JdkCipherWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(JdkCipherWarmup.class);
    /** A full TLS 1.3 record: 16 KiB of data and the inner content type byte. */
    static final int RECORD_BYTES = 16_385;
    /** Each is encrypted and decrypted: 128 MiB each way. */
    static final int RECORDS = 8_192;
    private static final int TAG_BITS = 128;
    private static final int HEADER_BYTES = 5;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private JdkCipherWarmup() {}

    /**
     * Starts the warm-up on a background daemon thread, once per JVM (a daemon loads its TLS files once), and logs
     * how long it took. The daemon does not wait for it: its first connections share the CPU with it for seconds.
     */
    public static void startInBackground(LongSupplier nanoTime) {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("tls-cipher-warmup").start(() -> {
            long start = nanoTime.getAsLong();
            try {
                run(RECORDS);
                LOG.info("JDK TLS cipher warmed up: {} records of 16 KiB encrypted and decrypted in {} ms", RECORDS,
                        TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - start));
            } catch (GeneralSecurityException | RuntimeException e) {
                LOG.warn("JDK TLS cipher warm-up failed (the links work, slower for their first seconds): {}",
                        e.toString());
            }
        });
    }

    /** Encrypts and decrypts {@code records} records on the caller's thread. */
    static void run(int records) throws GeneralSecurityException {
        KeyGenerator keys = KeyGenerator.getInstance("AES");
        keys.init(128, new SecureRandom());
        SecretKey key = keys.generateKey();
        Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding");
        ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES + TAG_BITS / 8);
        byte[] plaintext = new byte[RECORD_BYTES];
        new SecureRandom().nextBytes(plaintext);
        byte[] header = new byte[HEADER_BYTES];
        byte[] nonce = new byte[12];
        for (int n = 1; n <= records; n++) {
            record.clear().put(plaintext).flip();
            nonce(nonce, n);
            GCMParameterSpec spec = new GCMParameterSpec(TAG_BITS, nonce);
            encrypt.init(Cipher.ENCRYPT_MODE, key, spec);
            encrypt.updateAAD(header);
            ByteBuffer in = record.duplicate();
            record.limit(record.capacity());
            encrypt.doFinal(in, record); // in place, as the JDK's TLS 1.3 record layer does
            record.flip();
            decrypt.init(Cipher.DECRYPT_MODE, key, spec);
            decrypt.updateAAD(header);
            decrypt.doFinal(record.duplicate(), record.duplicate().clear());
            if (!Arrays.equals(record.array(), 0, RECORD_BYTES, plaintext, 0, RECORD_BYTES)) {
                throw new IllegalStateException("AES-GCM did not decrypt record " + n + " to its plaintext");
            }
        }
    }

    /** TLS 1.3's per-record nonce is the record's sequence number over the IV; a counter is as good here. */
    private static void nonce(byte[] nonce, long n) {
        for (int i = 0; i < Long.BYTES; i++) {
            nonce[nonce.length - 1 - i] = (byte) (n >>> (8 * i));
        }
    }
}
