package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.SourceGatewayConfig;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.gateway.target.TargetGatewayConfig;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 new taps connecting at once (issue 15): every one attaches, and the 100 new replica sets reach UP_TO_DATE
 * holding what their tap wrote. Real gateways on loopback in this JVM; each tap speaks the protocol itself (HELLO,
 * then SYNC_BEGIN, one 4 KiB write and SYNC_END). The source's read-idle timeout is 5 s, so a tap whose HELLO
 * waited more than that for its group to open, behind the groups of the others, was dropped "silent for too long"
 * before the fix (new groups opened one at a time on one thread, and the wait counted as the tap's silence).
 */
class ManyTapsAtOnceTest {
    private static final int TAPS = 100;
    private static final DiskInfo DISK = new DiskInfo(0, "disk0", 1 << 20, 4096);
    private static final Duration DEADLINE = Duration.ofSeconds(50);

    @TempDir
    Path base;

    @Test
    void hundredTapsConnectingAtOnceAllAttachAndTheirReplicasReachUpToDate() throws Exception {
        Path replicas = base.resolve("replicas");
        EventLoopGroup tapLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try (TargetGateway target = TargetGateway.start(TargetGatewayConfig.builder(base.resolve("target-data"),
                        replicas).listen("127.0.0.1", 0).maxGroups(TAPS).build(), new SimpleMeterRegistry());
                SourceGateway source = SourceGateway.start(SourceGatewayConfig.builder(
                                new InetSocketAddress("127.0.0.1", 0), base.resolve("source-data"),
                                ShipperConfig.builder("127.0.0.1", target.address().getPort())
                                        .link(l -> l.withReconnect(50, 500, 0.1)).build())
                        .readIdleTimeoutMs(5_000).maxGroups(TAPS).build(), new SimpleMeterRegistry(),
                        InstantSource.system())) {
            List<Tap> taps = new ArrayList<>();
            for (int cg = 1; cg <= TAPS; cg++) {
                taps.add(new Tap(cg));
            }
            long start = System.nanoTime();
            for (Tap tap : taps) {
                tap.connect(tapLoops, source.address());
            }
            CompletableFuture.allOf(taps.stream().map(t -> t.done).toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            List<String> failed = taps.stream().filter(t -> t.done.isCompletedExceptionally())
                    .map(t -> "cg " + t.cg + ": " + t.done.exceptionNow().getMessage()).toList();
            assertThat(failed).as("taps that did not attach and get their writes durable").isEmpty();
            System.out.printf("%d taps attached, their writes durable, in %d ms%n", TAPS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(target.consistencyGroups()).hasSize(TAPS).allSatisfy(ManyTapsAtOnceTest::upToDate));
            System.out.printf("%d replica sets UP_TO_DATE %d ms after the taps connected%n", TAPS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            for (Tap tap : taps) {
                assertThat(replicaBlock(TargetGateway.replicaSetDirectory(replicas, tap.cg)))
                        .as("cg %d's replica", tap.cg).isEqualTo(tap.block());
            }
        } finally {
            tapLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void upToDate(ConsistencyGroupStatus group) {
        assertThat(group.appliedSeq()).as("cg %d applied", group.cgId()).isEqualTo(3);
        assertThat(group.groupState()).as("cg %d", group.cgId()).isEqualTo("UP_TO_DATE");
    }

    private static byte[] replicaBlock(Path replicaSet) throws Exception {
        try (RandomAccessFile image = new RandomAccessFile(replicaSet.resolve(DISK.name() + ".img").toFile(), "r")) {
            byte[] block = new byte[DISK.blockSizeBytes()];
            image.seek(Tap.OFFSET);
            image.readFully(block);
            return block;
        }
    }

    /**
     * One tap of its own consistency group: HELLO; once accepted, a sync of one block (SYNC_BEGIN, DATA, SYNC_END);
     * done when the last is durable. Heartbeats while attached, as a tap does.
     */
    private static final class Tap extends SimpleChannelInboundHandler<Frame> {
        static final long OFFSET = 8 * 4096;
        static final long HEARTBEAT_MS = 250;
        final int cg;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Tap(int cg) {
            super(Frame.class);
            this.cg = cg;
        }

        byte[] block() {
            byte[] block = new byte[DISK.blockSizeBytes()];
            Arrays.fill(block, (byte) cg);
            return block;
        }

        void connect(EventLoopGroup loops, InetSocketAddress gateway) {
            Tap session = this;
            new Bootstrap().group(loops).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new FrameDecoder(FrameLimits.DEFAULT), new FrameEncoder(), session);
                        }
                    })
                    .connect(gateway).addListener(f -> {
                        if (!f.isSuccess()) {
                            done.completeExceptionally(f.cause());
                        }
                    });
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Hello.of(Role.TAP, "tap-" + cg, "pair-many", cg, "vm-" + cg, List.of(DISK)));
        }

        /** Heartbeats often once attached: a loaded machine can hold a tap's event loop for seconds (2 s was too few). */
        private void heartbeat(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new Heartbeat(System.currentTimeMillis() * 1_000, 0));
                ctx.executor().schedule(() -> heartbeat(ctx), HEARTBEAT_MS, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            switch (frame) {
                case HelloAck ack -> {
                    long seq = ack.resumeSeq();
                    ctx.write(record(++seq, BlockWrite.marker(seq, DISK.id(), RecordKind.SYNC_BEGIN)));
                    ctx.write(record(++seq, BlockWrite.data(seq, DISK.id(), OFFSET, Unpooled.wrappedBuffer(block()))));
                    ctx.writeAndFlush(record(++seq, BlockWrite.marker(seq, DISK.id(), RecordKind.SYNC_END)));
                    heartbeat(ctx);
                }
                case Ack ack when ack.scope() == AckScope.DURABLE && ack.seq() == 3 -> done.complete(null);
                default -> { }
            }
        }

        private WriteRecord record(long seq, BlockWrite write) {
            return new WriteRecord(cg, 1_000 + seq, false, write);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("the gateway closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
