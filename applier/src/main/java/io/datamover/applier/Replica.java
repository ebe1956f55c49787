package io.datamover.applier;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;

/** One replica disk of a replica set: the declared disk and its open file. */
record Replica(DiskInfo disk, SparseFile file) {}
