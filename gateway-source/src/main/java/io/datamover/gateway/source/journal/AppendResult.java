package io.datamover.gateway.source.journal;

/** Outcome of {@link Journal#append}. A record is never dropped without one of these answers. */
public enum AppendResult {
    /** Stored; durable once a later {@link Journal#sync()} covers its seq. */
    APPENDED,
    /** Not stored: the journal would exceed its maxBytes. The tap must switch to bitmap mode. */
    FULL
}
