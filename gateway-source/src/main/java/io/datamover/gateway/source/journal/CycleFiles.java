package io.datamover.gateway.source.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import net.openhft.chronicle.queue.impl.StoreFileListener;

/**
 * Which file holds which cycle, as Chronicle reports them when it maps a cycle, so the journal can
 * delete the files behind its retention point without parsing Chronicle's file names.
 */
final class CycleFiles implements StoreFileListener {
    /** Written by Chronicle's threads, read by the journal's owner thread. */
    private final Map<Integer, File> files = new ConcurrentSkipListMap<>();

    @Override
    public void onAcquired(int cycle, File file) {
        files.put(cycle, file);
    }

    @Override
    public void onReleased(int cycle, File file) {
        // Nothing to do: a file is deleted for being behind the retention point, not for being unmapped.
    }

    /** The file of {@code cycle}, or null when Chronicle has not reported it. */
    File file(int cycle) {
        return files.get(cycle);
    }

    boolean knows(int cycle) {
        return files.containsKey(cycle);
    }

    /** Deletes every known file of a cycle before {@code cycle}; returns how many. */
    int deleteBefore(int cycle) {
        int deleted = 0;
        Iterator<Map.Entry<Integer, File>> it = files.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, File> e = it.next();
            if (e.getKey() >= cycle) {
                break;
            }
            try {
                if (Files.deleteIfExists(e.getValue().toPath())) {
                    deleted++;
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot delete the released journal file " + e.getValue(), ex);
            }
            it.remove();
        }
        return deleted;
    }
}
