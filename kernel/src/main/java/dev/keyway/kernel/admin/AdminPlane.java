package dev.keyway.kernel.admin;

import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.plugin.PluginHost;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.spi.Service;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin plane's routes. Only {@code /health} and {@code /metrics} answer without a token; everything else,
 * including unknown paths, first requires {@code Authorization: Bearer}.
 */
public final class AdminPlane {
    private static final Logger LOG = Logger.getLogger(AdminPlane.class.getName());

    private final AdminAuth auth;
    private final Metrics metrics;
    private final BooleanSupplier ready;
    private final Supplier<Chain> chain;
    private final PluginHost plugins;
    private final EntityCache<Service> services;

    public AdminPlane(AdminAuth auth, Metrics metrics, BooleanSupplier ready, Supplier<Chain> chain,
                      PluginHost plugins, EntityCache<Service> services) {
        this.auth = auth;
        this.metrics = metrics;
        this.ready = ready;
        this.chain = chain;
        this.plugins = plugins;
        this.services = services;
    }

    /** Adds the admin routes to a routing builder. */
    public void routing(HttpRouting.Builder routing) {
        Guard guard = new Guard();
        routing.get("/health", (req, res) -> Json.send(res, ready.getAsBoolean() ? 200 : 503,
                        Map.of("status", ready.getAsBoolean() ? "UP" : "STARTING")))
                .get("/metrics", (req, res) -> {
                    res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                    res.send(metrics.prometheus().getBytes(StandardCharsets.UTF_8));
                })
                .get("/admin/stages", guard.wrap((req, res) -> Json.send(res, 200, Map.of("data", stages()))));
        new PluginRoutes(plugins).register(routing, guard);
        new ServiceRoutes(services).register(routing, guard);
        routing.any(guard.wrap((req, res) -> {
            throw AdminErrors.of(404, "not_found", "no admin route " + req.prologue().method().text() + " "
                    + req.path().rawPath());
        }));
    }

    private List<Map<String, Object>> stages() {
        return chain.get().entries().stream().map(e -> Map.<String, Object>of(
                "name", e.stage().name(),
                "phase", e.stage().phase().label(),
                "order", e.stage().order(),
                "plugin", e.pluginId())).toList();
    }

    /** Authenticates admin routes and maps their failures to the one admin error shape. */
    final class Guard {
        Handler wrap(Handler handler) {
            return (req, res) -> {
                String requestId = UUID.randomUUID().toString();
                try {
                    if (!auth.allows(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
                        res.header("WWW-Authenticate", "Bearer");
                        throw AdminErrors.of(401, "unauthorized", "admin routes need Authorization: Bearer "
                                + "<token> (the bootstrap token until the first admin exists)");
                    }
                    handler.handle(req, res);
                } catch (AdminErrors e) {
                    Json.error(res, e, requestId);
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "admin request " + requestId + " failed", e);
                    Json.error(res, AdminErrors.of(500, "internal_error", "internal error"), requestId);
                }
            };
        }
    }
}
