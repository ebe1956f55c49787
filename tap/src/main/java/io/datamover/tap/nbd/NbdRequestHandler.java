package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/** Carries out validated requests of one connection on I/O threads: the tap's disks, or a rehearsal's view. */
interface NbdRequestHandler {
    /** Runs {@code request} (released here) and passes its reply to {@code reply}, exactly once. */
    void process(NbdRequest request, NbdSession session, Consumer<ByteBuf> reply);
}
