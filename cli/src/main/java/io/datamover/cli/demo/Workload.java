package io.datamover.cli.demo;

/** The demo's guest: something writing to the tap's NBD export until its time is up. */
interface Workload extends AutoCloseable {
    /** One line for the operator: what writes, how. */
    String description();

    /** Starts writing to the export at {@code nbdUri}. */
    void start(String nbdUri) throws Exception;

    /** True once the writes have stopped (time up or failed). */
    boolean finished();

    /** Empty when the guest wrote without error, else what went wrong. */
    String failure();

    /** Stops writing if still running and releases what it holds. */
    @Override
    void close();
}
