package io.datamover.coordination;

/** Where a gateway stands for one consistency group. */
public enum LeadershipRole {
    /** Contending; another gateway may lead. Never ships. */
    STANDBY,
    /** Holds the group's lock under an epoch and may ship, while its fencing deadline has not passed. */
    LEADING,
    /** Still holds the lock as far as it knows, but lost contact with ZooKeeper too long ago: it stops on its own. */
    DEMOTED,
    /** No longer contending (the gateway stops serving the group). Final. */
    CLOSED
}
