package io.datamover.applier;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replicas of one consistency group in one directory: a sparse file {@code <disk name>.img} per disk at
 * the source's size, and a stamp ({@link ReplicaMetadataFile}) naming the owning pair, the applied seq and the
 * {@link ReplicaState} of every disk (INCONSISTENT when created).
 * Opening checks the stamp first, so a directory that belongs to another pair is never written.
 *
 * <p>On first contact the stamp is written (applied seq 0) before any image is created: an image without a
 * stamp is therefore never ours and is refused rather than adopted.
 *
 * <p>Not thread-safe: owned by the thread of its {@link Applier}. The identity (pair, group, disks, provisioning,
 * {@link #requireOwner}) never changes and may be read from any thread.
 */
public final class ReplicaSet implements AutoCloseable {
    static final String IMAGE_SUFFIX = ".img";

    private final Path directory;
    private final ReplicaSetConfig config;
    private final Map<Integer, Replica> replicas;
    private ReplicaMetadata metadata;

    private ReplicaSet(Path directory, ReplicaSetConfig config, Map<Integer, Replica> replicas,
            ReplicaMetadata metadata) {
        this.directory = directory;
        this.config = config;
        this.replicas = replicas;
        this.metadata = metadata;
    }

    /**
     * Opens the replica set in {@code directory} (created if missing), or creates it on first contact.
     *
     * @throws ReplicaSetException if the directory belongs to another pair or consistency group, its stamp
     *     is damaged or of another version, or its disks do not match {@code config}
     */
    public static ReplicaSet open(Path directory, ReplicaSetConfig config) throws IOException {
        Files.createDirectories(directory);
        Optional<ReplicaMetadata> stamp = ReplicaMetadataFile.read(directory);
        ReplicaMetadata metadata;
        if (stamp.isPresent()) {
            metadata = stamp.get();
            checkOwner(directory, metadata, config);
        } else {
            refuseUnstampedImages(directory, config);
            metadata = ReplicaMetadata.initial(config.pairId(), config.cgId(), config.disks());
            ReplicaMetadataFile.write(directory, metadata);
        }
        Map<Integer, Replica> replicas = new HashMap<>();
        try {
            for (DiskInfo disk : config.disks()) {
                replicas.put(disk.id(), new Replica(disk, openImage(directory, disk, metadata.appliedSeq())));
            }
            DurableFiles.forceDirectory(directory);
        } catch (IOException | RuntimeException e) {
            closeAll(replicas.values(), e);
            throw e;
        }
        return new ReplicaSet(directory, config, replicas, metadata);
    }

    /**
     * The stamp of the replica set in {@code directory}, or empty when it has none (a gateway rediscovering its
     * consistency groups at start).
     *
     * @throws ReplicaSetException if the stamp is damaged or of another version
     */
    public static Optional<ReplicaMetadata> readStamp(Path directory) throws IOException {
        return ReplicaMetadataFile.read(directory);
    }

    /**
     * Checks that this open set is what {@code other} asks for (a later connection for the same group): the same
     * pair, group and disks.
     *
     * @throws ReplicaSetException WRONG_PAIR or DISK_MISMATCH, naming both sides
     */
    public void requireOwner(ReplicaSetConfig other) throws ReplicaSetException {
        checkOwner(directory, ReplicaMetadata.initial(config.pairId(), config.cgId(), config.disks()), other);
    }

    private static void checkOwner(Path directory, ReplicaMetadata stamp, ReplicaSetConfig config)
            throws ReplicaSetException {
        if (!stamp.pairId().equals(config.pairId()) || stamp.cgId() != config.cgId()) {
            throw new ReplicaSetException(Reason.WRONG_PAIR, "replicas in " + directory + " belong to pair '"
                    + stamp.pairId() + "' consistency group " + stamp.cgId() + ", not to pair '" + config.pairId()
                    + "' consistency group " + config.cgId() + "; refusing to write them");
        }
        if (!stamp.disks().equals(config.disks())) {
            throw new ReplicaSetException(Reason.DISK_MISMATCH, "replicas in " + directory + " hold disks "
                    + stamp.disks() + " but the source declares " + config.disks());
        }
    }

    private static void refuseUnstampedImages(Path directory, ReplicaSetConfig config) throws ReplicaSetException {
        for (DiskInfo disk : config.disks()) {
            Path image = imagePath(directory, disk);
            if (Files.exists(image)) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " exists but " + directory
                        + " has no replica stamp: it belongs to no known pair; move it away to start afresh");
            }
        }
    }

    private static SparseFile openImage(Path directory, DiskInfo disk, long appliedSeq) throws IOException {
        Path image = imagePath(directory, disk);
        if (!Files.exists(image)) {
            if (appliedSeq > 0) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " is missing but batches up to seq "
                        + appliedSeq + " were applied to it");
            }
            return SparseFile.create(image, disk.sizeBytes());
        }
        SparseFile file = SparseFile.openReadWrite(image);
        try {
            long size = file.size();
            if (size != disk.sizeBytes() && appliedSeq == 0) {
                // A crash between creating the image and sizing it; the stamp already holds the declared
                // size and nothing was applied, so finishing the creation loses nothing.
                file.setSize(disk.sizeBytes());
            } else if (size != disk.sizeBytes()) {
                throw new ReplicaSetException(Reason.DISK_MISMATCH, image + " has " + size
                        + " bytes but disk " + disk.name() + " has " + disk.sizeBytes());
            }
            return file;
        } catch (IOException | RuntimeException e) {
            closeQuietlyInto(file, e);
            throw e;
        }
    }

    static Path imagePath(Path directory, DiskInfo disk) {
        return directory.resolve(disk.name() + IMAGE_SUFFIX);
    }

    public Path directory() {
        return directory;
    }

    public String pairId() {
        return config.pairId();
    }

    public int cgId() {
        return config.cgId();
    }

    public Provisioning provisioning() {
        return config.provisioning();
    }

    public List<DiskInfo> disks() {
        return config.disks();
    }

    /** The highest seq whose batch is applied and durable (0 before the first batch). */
    public long appliedSeq() {
        return metadata.appliedSeq();
    }

    /** The state of every disk, by disk id, in declaration order: a read-only snapshot. */
    public Map<Integer, ReplicaState> states() {
        Map<Integer, ReplicaState> states = new LinkedHashMap<>();
        for (int i = 0; i < metadata.disks().size(); i++) {
            states.put(metadata.disks().get(i).id(), metadata.states().get(i));
        }
        return Collections.unmodifiableMap(states);
    }

    /** The replica of disk {@code diskId}, or null when the set has no such disk. */
    Replica replica(int diskId) {
        return replicas.get(diskId);
    }

    /** Records {@code seq} as applied with the disks' states unchanged, durably. */
    void recordAppliedSeq(long seq) throws IOException {
        recordApplied(seq, states());
    }

    /**
     * Records {@code seq} as applied and the disks' states after it in one atomic stamp write. Call only after the
     * batch's writes are synced; the states come from {@link ReplicaStateTransitions}.
     */
    void recordApplied(long seq, Map<Integer, ReplicaState> states) throws IOException {
        List<ReplicaState> ordered = new ArrayList<>(metadata.disks().size());
        for (DiskInfo disk : metadata.disks()) {
            ordered.add(states.get(disk.id()));
        }
        ReplicaMetadata next = metadata.withApplied(seq, ordered);
        ReplicaMetadataFile.write(directory, next);
        metadata = next;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Replica r : replicas.values()) {
            try {
                r.file().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void closeAll(Collection<Replica> opened, Exception cause) {
        for (Replica r : opened) {
            closeQuietlyInto(r.file(), cause);
        }
    }

    /** Closes {@code file} on a failure path, keeping a close failure as suppressed by {@code cause}. */
    private static void closeQuietlyInto(SparseFile file, Exception cause) {
        try {
            file.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
