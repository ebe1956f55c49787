package io.datamover.applier;

/** How a replica stores ranges that read as zeros. */
public enum Provisioning {
    /** Zero ranges become punched holes: the replica allocates only what holds data. */
    THIN,
    /**
     * Every block allocated: the replica is allocated whole when opened, and zero ranges stay allocated (zeroed in
     * place, never punched). For storage that is not thin-aware, e.g. an NFS datastore.
     */
    THICK
}
