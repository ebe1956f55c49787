package io.datamover.cli.admin;

import io.datamover.applier.RehearsalRefusedException;
import io.datamover.applier.RehearsalView;
import io.datamover.cli.HostPort;
import io.datamover.disk.SparseFile;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TransportSecurity;
import io.datamover.tap.TapConfig;
import io.datamover.tap.export.Export;
import io.datamover.tap.nbd.BlockStore;
import io.datamover.tap.nbd.NbdServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /rehearse/start?cg=N&nbd=HOST:PORT&scratchMax=B&preserveMax=B} and {@code POST /rehearse/stop?cg=N}
 * ({@code datamover rehearse}): opens the group's copy-on-write view at the target gateway ({@link RehearsalView})
 * and serves it over NBD with the tap's server pieces, one export per disk; stop closes the listener and deletes the
 * view's files. Both idempotent. 409 when refused (no consistent image, unknown group, a view on another address).
 * The listener requires TLS (NBD_OPT_STARTTLS) with the gateway's own certificate and trusted CA, a client
 * certificate of that CA required, unless the gateway runs {@code --insecure-plaintext}.
 */
final class RehearsalActions {
    static final String START = "/rehearse/start";
    static final String STOP = "/rehearse/stop";

    /** A running rehearsal's listener: the view it serves and the files opened for the exports' names and sizes. */
    private record Serving(RehearsalView view, NbdServer server, HostPort address, List<SparseFile> files,
            boolean tls) {}

    private final TargetGateway gateway;
    private final TransportSecurity transport;
    private final MeterRegistry registry;
    private final Map<Integer, Serving> serving = new LinkedHashMap<>();

    RehearsalActions(TargetGateway gateway, TransportSecurity transport, MeterRegistry registry) {
        this.gateway = gateway;
        this.transport = transport;
        this.registry = registry;
    }

    synchronized AdminActions.Answer start(int cg, Map<String, String> parameters) {
        HostPort address;
        long scratchMax;
        long preserveMax;
        try {
            address = HostPort.parse(parameters.getOrDefault("nbd", "127.0.0.1:10810"));
            scratchMax = Long.parseLong(parameters.getOrDefault("scratchMax", String.valueOf(1L << 30)));
            preserveMax = Long.parseLong(parameters.getOrDefault("preserveMax", String.valueOf(4L << 30)));
        } catch (IllegalArgumentException e) {
            return new AdminActions.Answer(400, "rehearse start: " + e.getMessage() + "\n");
        }
        Serving running = serving.get(cg);
        if (running != null && running.view().endedReason() == null) {
            return running.address().equals(address) ? new AdminActions.Answer(200, describe(cg, running))
                    : new AdminActions.Answer(409, "refused: a rehearsal of consistency group "
                            + Integer.toUnsignedString(cg) + " runs already, served at " + running.address()
                            + " (several at once are not supported): stop it first\n");
        }
        try {
            if (running != null) {
                stopServing(cg); // it ended on its own: start afresh
            }
            RehearsalView view = gateway.startRehearsal(cg, scratchMax, preserveMax);
            registerGauges(cg);
            Serving started = serve(view, address);
            serving.put(cg, started);
            return new AdminActions.Answer(200, describe(cg, started));
        } catch (ProtocolException | RehearsalRefusedException e) {
            return new AdminActions.Answer(409, "refused: " + e.getMessage() + "\n");
        } catch (IOException | RuntimeException e) {
            stopQuietly(cg);
            return new AdminActions.Answer(500, "rehearse start failed (nothing of it is left): " + e + "\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AdminActions.Answer(503, "the target gateway is stopping\n");
        }
    }

    synchronized AdminActions.Answer stop(int cg) {
        try {
            stopServing(cg);
            RehearsalView view = gateway.stopRehearsal(cg);
            return new AdminActions.Answer(200, view == null ? "no rehearsal of consistency group "
                    + Integer.toUnsignedString(cg) + " runs (stopped already)\n"
                    : "rehearsal of consistency group " + Integer.toUnsignedString(cg) + " stopped: its scratch ("
                            + view.scratchBytes() + " bytes) and before-images (" + view.preservedBytes()
                            + " bytes) are deleted; the replicas were never written by it\n");
        } catch (ProtocolException | RehearsalRefusedException e) {
            return new AdminActions.Answer(409, "refused: " + e.getMessage() + "\n");
        } catch (IOException | RuntimeException e) {
            return new AdminActions.Answer(500, "rehearse stop failed (run it again): " + e + "\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AdminActions.Answer(503, "the target gateway is stopping\n");
        }
    }

    private Serving serve(RehearsalView view, HostPort address) throws IOException, InterruptedException {
        Map<String, Export> exports = new LinkedHashMap<>();
        List<SparseFile> files = new ArrayList<>();
        TapConfig.Builder config = TapConfig.builder().bindHost(address.host()).port(address.port())
                .stateDir(Path.of("unused"));
        int index = 0;
        for (Map.Entry<String, Long> disk : view.diskSizes().entrySet()) {
            SparseFile file = SparseFile.openReadOnly(view.replicaPath(disk.getKey()));
            files.add(file);
            exports.put(disk.getKey(), new Export(index++, disk.getKey(), file, disk.getValue(), null));
            config.export(disk.getKey(), view.replicaPath(disk.getKey()));
        }
        try {
            BlockStore store = new BlockStore() {
                @Override
                public void read(String export, ByteBuffer dst, long offset) throws IOException {
                    view.read(export, dst, offset);
                }

                @Override
                public void write(String export, ByteBuffer data, long offset) throws IOException {
                    view.write(export, data, offset);
                }
            };
            // The contexts in use at each STARTTLS: a certificate reload reaches the view's next client.
            TlsContexts tls = transport.contexts().orElse(null);
            return new Serving(view, NbdServer.serve(config.build(), exports, store, tls == null ? null : tls::server,
                    registry), address, files, tls != null);
        } catch (RuntimeException e) {
            for (SparseFile file : files) {
                file.close();
            }
            throw e;
        }
    }

    private void stopServing(int cg) throws IOException, InterruptedException {
        Serving running = serving.remove(cg);
        if (running != null) {
            running.server().close();
            for (SparseFile file : running.files()) {
                file.close();
            }
        }
    }

    private void stopQuietly(int cg) {
        try {
            stopServing(cg);
            gateway.stopRehearsal(cg);
        } catch (Exception e) {
            // the start's failure is what the operator sees; the gateway deletes leftovers when the group reopens
        }
    }

    private static String describe(int cg, Serving s) {
        RehearsalView view = s.view();
        StringBuilder out = new StringBuilder("consistency group ").append(Integer.toUnsignedString(cg)).append(": ")
                .append(describe(view)).append("; replication goes on, the view is served over NBD")
                .append(s.tls() ? " with TLS required (NBD_OPT_STARTTLS; a client certificate of this gateway's CA)"
                        : " in plaintext (--insecure-plaintext)").append(" at\n");
        for (String disk : view.diskSizes().keySet()) {
            out.append("  nbd://").append(s.address()).append('/').append(disk).append('\n');
        }
        return out.toString();
    }

    /** One line for status: since when, the view's seq, scratch and before-image use, or why it ended. */
    static String describe(RehearsalView view) {
        String ended = view.endedReason();
        String use = "scratch " + view.scratchBytes() + " of " + view.scratchMaxBytes() + " bytes, before-images "
                + view.preservedBytes() + " of " + view.preserveMaxBytes() + " bytes";
        if (ended != null) {
            return "rehearsal ended on its own (" + ended + "): run datamover rehearse stop to delete its files ("
                    + use + ")";
        }
        return "rehearsal running since " + Instant.ofEpochMilli(view.startedAtMillis()) + " on the image at seq "
                + view.seq() + ": " + use;
    }

    /**
     * {@code datamover_rehearsal_running}, {@code _seq}, {@code _scratch_bytes} and {@code _preserved_bytes} by
     * {@code cg}; 0 while none runs.
     */
    private void registerGauges(int cg) {
        String id = Integer.toUnsignedString(cg);
        gauge("datamover.rehearsal.running", id, "1 while a rehearsal's view of the group is served",
                v -> v.endedReason() == null ? 1 : 0, cg);
        gauge("datamover.rehearsal.seq", id, "applied seq of the image the rehearsal's view shows", v -> v.seq(), cg);
        gauge("datamover.rehearsal.scratch.bytes", id, "bytes the test VM's writes take in the scratch area",
                v -> v.scratchBytes(), cg);
        gauge("datamover.rehearsal.preserved.bytes", id, "bytes of replica regions kept for the rehearsal's view",
                v -> v.preservedBytes(), cg);
    }

    private void gauge(String name, String cg, String help, java.util.function.ToDoubleFunction<RehearsalView> value,
            int cgId) {
        io.micrometer.core.instrument.Gauge.builder(name, gateway,
                        g -> g.rehearsal(cgId).map(value::applyAsDouble).orElse(0.0))
                .tag("cg", cg).description(help).strongReference(true).register(registry);
    }
}
