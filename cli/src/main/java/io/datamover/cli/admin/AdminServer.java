package io.datamover.cli.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's admin port: {@code GET /metrics} (Prometheus text), {@code GET /status} (JSON), {@code GET
 * /status?format=text} (the table {@code datamover status} prints), {@code GET /health}, and the status page: {@code
 * GET /} (HTML and {@code /status.js}, served from resources, no build step) and the history it charts ({@code GET
 * /status/history}, {@link StatusHistory}); {@code POST} runs the
 * daemon's {@link AdminActions} (the source gateway's {@code /resync} and {@code /throttle}, the tap's
 * {@code /pause} and {@code /resume}) for the operator only
 * ({@link AdminAuthorization}: 401 or 403 otherwise). Other methods are 405, unknown paths 404.
 * Two threads and a short queue: a scraper storm cannot take memory or threads from the data path (when both
 * threads are busy and the queue is full, the accepting thread serves the request itself, so accepting slows down
 * instead of queueing more).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PAGE = resource("status.html");
    private static final String SCRIPT = resource("status.js");

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private AdminServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code address} (port 0 picks a free one) and serves {@code registry} and {@code status}; the
     * status supplier is called on an admin thread per request.
     */
    public static AdminServer start(InetSocketAddress address, PrometheusMeterRegistry registry,
            Supplier<StatusReport> status) throws IOException {
        return start(address, registry, status, AdminActions.NONE);
    }

    /** As {@link #start(InetSocketAddress, PrometheusMeterRegistry, Supplier)}, with {@code actions} for POST. */
    public static AdminServer start(InetSocketAddress address, PrometheusMeterRegistry registry,
            Supplier<StatusReport> status, AdminActions actions) throws IOException {
        return start(address, registry, status, actions, new StatusHistory(InstantSource.system(), 1),
                AdminAuthorization.NONE);
    }

    /**
     * As {@link #start(InetSocketAddress, PrometheusMeterRegistry, Supplier, AdminActions)}, with the page's history
     * and who may POST.
     */
    public static AdminServer start(InetSocketAddress address, PrometheusMeterRegistry registry,
            Supplier<StatusReport> status, AdminActions actions, StatusHistory history,
            AdminAuthorization authorization) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(16), Thread.ofPlatform().name("admin-http-", 0).daemon(true).factory(),
                new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, registry, status, actions, history,
                authorization));
        server.start();
        AdminServer admin = new AdminServer(server, executor);
        LOG.info("admin port on http://{}:{}/ (status page; /metrics, /status, /health)", address.getHostString(),
                admin.address().getPort());
        return admin;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, PrometheusMeterRegistry registry,
            Supplier<StatusReport> status, AdminActions actions, StatusHistory history,
            AdminAuthorization authorization) throws IOException {
        try (exchange) {
            try {
                if (exchange.getRequestMethod().equals("POST")) {
                    post(exchange, actions, authorization, registry);
                    return;
                }
                route(exchange, registry, status, history);
            } catch (RuntimeException e) {
                LOG.warn("admin request {} failed", exchange.getRequestURI(), e);
                reply(exchange, 500, TEXT, "internal error: " + e + "\n");
            }
        }
    }

    private static void route(HttpExchange exchange, PrometheusMeterRegistry registry,
            Supplier<StatusReport> status, StatusHistory history) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST");
            reply(exchange, 405, TEXT, "only GET and POST are served here\n");
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        switch (exchange.getRequestURI().getPath()) {
            case "/metrics" -> reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
            case "/status" -> {
                StatusReport report = status.get();
                if ("format=text".equals(query)) {
                    reply(exchange, 200, TEXT, StatusText.render(report));
                } else {
                    reply(exchange, 200, "application/json", StatusJson.render(report));
                }
            }
            case "/status/history" -> reply(exchange, 200, "application/json", history.json());
            case "/" -> reply(exchange, 200, "text/html; charset=utf-8", PAGE);
            case "/status.js" -> reply(exchange, 200, "text/javascript; charset=utf-8", SCRIPT);
            case "/health" -> reply(exchange, 200, TEXT, "ok\n");
            default -> reply(exchange, 404, TEXT, "not found; try /metrics, /status, /status?format=text, /health\n");
        }
    }

    private static void post(HttpExchange exchange, AdminActions actions, AdminAuthorization authorization,
            PrometheusMeterRegistry registry) throws IOException {
        if (actions == AdminActions.NONE) {
            reply(exchange, 404, TEXT, "no such action on this daemon\n");
            return;
        }
        AdminAuthorization.Decision decision = authorization.decide("POST " + exchange.getRequestURI(),
                String.valueOf(exchange.getRemoteAddress()), exchange.getRequestHeaders().getFirst("Authorization"),
                registry);
        if (!decision.accepted()) {
            if (decision.status() == 401) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"datamover admin\"");
            }
            reply(exchange, decision.status(), TEXT, decision.text());
            return;
        }
        Map<String, String> parameters = new HashMap<>();
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        AdminActions.Answer answer = actions.post(exchange.getRequestURI().getPath(), parameters);
        if (answer == null) {
            reply(exchange, 404, TEXT, "no such action on this daemon\n");
        } else {
            reply(exchange, answer.status(), TEXT, answer.text());
        }
    }

    private static void reply(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String resource(String name) {
        try (InputStream in = AdminServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the admin page resource " + name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops listening; requests being served get a second to finish. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
