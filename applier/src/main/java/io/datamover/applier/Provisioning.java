package io.datamover.applier;

/** How a replica stores ranges that read as zeros. */
public enum Provisioning {
    /** Zero ranges become punched holes: the replica allocates only what holds data. */
    THIN,
    /** Zero ranges are written as zeros: the replica allocates every range ever written. */
    THICK
}
