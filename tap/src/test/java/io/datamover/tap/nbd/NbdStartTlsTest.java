package io.datamover.tap.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.Role;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TlsFiles;
import io.datamover.protocol.tls.TlsProvider;
import io.datamover.tap.export.Export;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handshake of a listener that requires TLS (a rehearsal's view; the protocol's FORCEDTLS), on an
 * {@link EmbeddedChannel}: options before NBD_OPT_STARTTLS are refused with NBD_REP_ERR_TLS_REQD and change nothing,
 * EXPORT_NAME before it ends the connection, STARTTLS is acknowledged in plaintext and TLS then comes first in the
 * pipeline. The TLS handshake itself runs with real clients in the integration tests' {@code RehearsalTest}.
 */
class NbdStartTlsTest {
    private static final int OPT_GO = 7;

    @TempDir
    static Path dir;
    /** Made once: a lab CA and its certificates take seconds to generate. */
    private static SslContext server;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void certificates() throws Exception {
        LabCertificates.create(dir, "pair", List.of(1), LabCertificates.LOOPBACK);
        server = TlsContexts.load(new TlsFiles(dir, Role.TARGET_GATEWAY), TlsProvider.JDK, Clock.systemUTC()).server();
    }

    @Test
    void optionsBeforeStartTlsAreRefusedThenStartTlsIsAcknowledgedInPlaintextAndTlsComesFirst() {
        EmbeddedChannel channel = negotiating(() -> server);
        channel.writeInbound(option(OPT_GO, goFor("disk0")));
        assertThat(replyType(channel.readOutbound(), OPT_GO)).isEqualTo(Nbd.REP_ERR_TLS_REQD);
        assertThat(channel.isActive()).isTrue();
        assertThat(registry.get(ProtocolErrors.METRIC).tag("reason", "tls_required").counter().count()).isOne();

        channel.writeInbound(option(Nbd.OPT_STARTTLS, Unpooled.EMPTY_BUFFER));
        assertThat(replyType(channel.readOutbound(), Nbd.OPT_STARTTLS)).isEqualTo(Nbd.REP_ACK);
        assertThat(channel.pipeline().first()).isInstanceOf(SslHandler.class);
        channel.finishAndReleaseAll();
    }

    @Test
    void exportNameBeforeStartTlsEndsTheConnection() {
        EmbeddedChannel channel = negotiating(() -> server);
        channel.writeInbound(option(Nbd.OPT_EXPORT_NAME, Unpooled.copiedBuffer("disk0", StandardCharsets.UTF_8)));
        assertThat(channel.isActive()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void startTlsWithDataIsInvalidAndWithoutTlsUnsupported() {
        EmbeddedChannel forced = negotiating(() -> server);
        forced.writeInbound(option(Nbd.OPT_STARTTLS, Unpooled.wrappedBuffer(new byte[] {1})));
        assertThat(replyType(forced.readOutbound(), Nbd.OPT_STARTTLS)).isEqualTo(Nbd.REP_ERR_INVALID);
        assertThat(forced.pipeline().get(SslHandler.class)).isNull();
        forced.finishAndReleaseAll();

        EmbeddedChannel plaintext = negotiating(null);
        plaintext.writeInbound(option(Nbd.OPT_STARTTLS, Unpooled.EMPTY_BUFFER));
        assertThat(replyType(plaintext.readOutbound(), Nbd.OPT_STARTTLS)).isEqualTo(Nbd.REP_ERR_UNSUP);
        plaintext.finishAndReleaseAll();
    }

    /** A connection past the greeting and the client's flags, in the option haggling. */
    private EmbeddedChannel negotiating(Supplier<SslContext> tls) {
        Export export = new Export(0, "disk0", null, 1 << 20, null);
        NbdHandshakeHandler handshake = new NbdHandshakeHandler(Map.of("disk0", export), 4096, 1 << 20, 60_000,
                () -> false, new ProtocolErrors(registry), (ctx, session) -> {
                    throw new AssertionError("no export may be entered here");
                }, tls);
        EmbeddedChannel channel = new EmbeddedChannel(handshake);
        ((ByteBuf) channel.readOutbound()).release(); // the greeting
        channel.writeInbound(Unpooled.buffer(4).writeInt(Nbd.CLIENT_FLAG_FIXED_NEWSTYLE | Nbd.CLIENT_FLAG_NO_ZEROES));
        return channel;
    }

    private static ByteBuf option(int option, ByteBuf data) {
        return Unpooled.buffer().writeLong(Nbd.IHAVEOPT).writeInt(option).writeInt(data.readableBytes())
                .writeBytes(data);
    }

    /** NBD_OPT_GO's data for {@code name}, no information requests. */
    private static ByteBuf goFor(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeInt(bytes.length).writeBytes(bytes).writeShort(0);
    }

    /** The reply's type, after checking it answers {@code option}; releases it. */
    private static int replyType(ByteBuf reply, int option) {
        try {
            assertThat(reply.readLong()).isEqualTo(Nbd.OPTION_REPLY_MAGIC);
            assertThat(reply.readInt()).isEqualTo(option);
            return reply.readInt();
        } finally {
            reply.release();
        }
    }
}
