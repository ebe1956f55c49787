package io.datamover.protocol;

/**
 * What one site is for a consistency group (docs/operations.md, "Roles"): shown by {@code status} and in
 * {@code datamover_role}.
 */
public enum ReplicationRole {
    /** Its disks are the VM's and are replicated from here: the source site. */
    PRIMARY,
    /** Holds the replicas a primary replicates into: the recovery site in normal running. */
    SECONDARY,
    /** Failed over: the replicas are the VM's disks here, replication into them has stopped. */
    PROMOTED,
    /** Its history and its peer's split: nothing is replicated until an operator names the side to discard. */
    DIVERGED
}
