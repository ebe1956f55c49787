package io.datamover.protocol.tls;

import java.io.IOException;

/**
 * A daemon's TLS files cannot be used: missing, unreadable, a private key readable by others, a certificate outside
 * its validity or without this daemon's identity. The message names the file and says what to do; a daemon refuses
 * to start with it, and a reload that meets it keeps the files it has.
 */
public final class TlsSetupException extends IOException {
    public TlsSetupException(String message) {
        super(message);
    }

    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
