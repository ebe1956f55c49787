package io.datamover.tap.bitmap;

import java.io.IOException;
import java.nio.file.Path;

/** A dirty bitmap file that is not ours, is damaged, or belongs to a disk of another geometry: refused, never reused. */
public final class BitmapFormatException extends IOException {

    BitmapFormatException(Path file, String problem) {
        super("dirty bitmap " + file + " refused: " + problem);
    }
}
