package io.datamover.gateway.source.journal;

/** The journal's files cannot be read or trusted: the operator must look before anything is shipped. */
public final class JournalStorageException extends Exception {
    public JournalStorageException(String message) {
        super(message);
    }

    public JournalStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
