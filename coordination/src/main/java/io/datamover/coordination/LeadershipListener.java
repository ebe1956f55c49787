package io.datamover.coordination;

/** Told of every change of a gateway's leadership of a group, on the coordinator's owner thread: must not block. */
@FunctionalInterface
public interface LeadershipListener {
    void changed(String group, Leadership leadership);
}
