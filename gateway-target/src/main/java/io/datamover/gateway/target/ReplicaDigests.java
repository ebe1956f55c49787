package io.datamover.gateway.target;

import io.datamover.disk.compare.RegionDigests;

/**
 * Region digests of a replica for an online verify ({@link ConsistencyGroupTarget#verify}): the image they show (the
 * applied seq) and whether every disk of the group was UP_TO_DATE then (a replica being resynced is not comparable).
 */
public record ReplicaDigests(long appliedSeq, boolean upToDate, RegionDigests.Span span) {}
