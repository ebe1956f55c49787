package io.datamover.protocol;

/** Releases frames whatever their type, for code paths that drop a frame they own. */
public final class ReferenceCountedFrames {
    private ReferenceCountedFrames() {}

    public static void release(Frame frame) {
        if (frame instanceof PayloadHolder holder) {
            holder.release();
        }
    }
}
