package io.datamover.bench.outage;

/**
 * One reading of the tap process, {@code seconds} after the gateway was killed (negative: before).
 *
 * @param heapBytes heap used, summed over the heap pools
 * @param directBytes direct memory in use: the larger of the JDK's direct buffer pool and NMT's "Other" committed
 *     bytes (which holds the JDK's direct buffers and Netty's cleaner-less pooled arenas); -1 when unreadable
 * @param rssBytes the process's resident set ({@code VmRSS})
 * @param windowBytes the sender's window bytes in use (records held for the gateway)
 * @param unacknowledged records not yet acknowledged by the gateway
 * @param bitmapMode whether the consistency group is in bitmap mode
 */
record TapSample(double seconds, long heapBytes, long directBytes, long rssBytes, long windowBytes,
        long unacknowledged, boolean bitmapMode) {}
