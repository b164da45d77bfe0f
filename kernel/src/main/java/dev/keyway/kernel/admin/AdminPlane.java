package dev.keyway.kernel.admin;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin plane's routes. Only {@code /health} and {@code /metrics} answer without a token; everything else,
 * including unknown paths, first requires {@code Authorization: Bearer}.
 */
public final class AdminPlane {
    private static final Logger LOG = Logger.getLogger(AdminPlane.class.getName());

    private final AdminContext context;

    public AdminPlane(AdminContext context) {
        this.context = context;
    }

    /** Adds the admin routes to a routing builder. */
    public void routing(HttpRouting.Builder routing) {
        Guard guard = new Guard();
        routing.get("/health", (req, res) -> {
                    boolean up = context.ready().getAsBoolean();
                    Json.send(res, up ? 200 : 503, Map.of("status", up ? "UP" : "STARTING"));
                })
                .get("/metrics", (req, res) -> {
                    res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                    res.send(context.metrics().prometheus().getBytes(StandardCharsets.UTF_8));
                })
                .get("/admin/stages", guard.wrap((req, res, who) -> {
                    who.requireSystemAdmin();
                    Json.send(res, 200, Map.of("data", stages()));
                }));
        new PluginRoutes(context).register(routing, guard);
        ServiceRoutes services = new ServiceRoutes(context);
        services.register(routing, guard);
        new VersionRoutes(context, services).register(routing, guard);
        new CatalogRoutes(context).register(routing, guard);
        new SubscriptionRoutes(context).register(routing, guard);
        new AiAdminRoutes(context).register(routing, guard);
        new LimitRoutes(context).register(routing, guard);
        new PolicyRoutes(context).register(routing, guard);
        new AuditRoutes(context).register(routing, guard);
        new SessionRoutes(context).register(routing, guard);
        new UserRoutes(context).register(routing, guard);
        new TeamRoutes(context).register(routing, guard);
        new AppRoutes(context).register(routing, guard);
        new KeyRoutes(context, context.keyUsage()).register(routing, guard);
        new CallRoutes(context).register(routing, guard);
        routing.any(guard.wrap((req, res, who) -> {
            throw AdminErrors.of(404, "not_found", "no admin route " + req.prologue().method().text() + " "
                    + req.path().rawPath());
        }));
    }

    private List<Map<String, Object>> stages() {
        return context.chain().get().entries().stream().map(e -> Map.<String, Object>of(
                "name", e.stage().name(),
                "phase", e.stage().phase().label(),
                "order", e.stage().order(),
                "plugin", e.pluginId())).toList();
    }

    /** Authenticates admin routes and maps their failures to the one admin error shape. */
    final class Guard {
        /** A route without authentication (login, bootstrap): the handler gets a null principal. */
        Handler open(AdminHandler handler) {
            return (req, res) -> run(req, res, handler, false);
        }

        Handler wrap(AdminHandler handler) {
            return (req, res) -> run(req, res, handler, true);
        }

        private void run(io.helidon.webserver.http.ServerRequest req, io.helidon.webserver.http.ServerResponse res,
                         AdminHandler handler, boolean authenticate) {
            String requestId = UUID.randomUUID().toString();
            try {
                if (!authenticate) {
                    handler.handle(req, res, null);
                    return;
                }
                Principal principal = context.auth()
                        .authenticate(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))
                        .orElseThrow(() -> {
                            res.header("WWW-Authenticate", "Bearer");
                            return AdminErrors.of(401, "unauthorized", "admin routes need Authorization: "
                                    + "Bearer <token> (a session token from POST /admin/login, or the "
                                    + "bootstrap token until the first admin exists)");
                        });
                handler.handle(req, res, principal);
            } catch (AdminErrors e) {
                Json.error(res, e, requestId);
            } catch (dev.keyway.kernel.store.ConcurrentChangeException e) {
                Json.error(res, AdminErrors.of(409, "conflict", e.getMessage()), requestId);
            } catch (Exception e) {
                LOG.log(Level.SEVERE, "admin request " + requestId + " failed", e);
                Json.error(res, AdminErrors.of(500, "internal_error", "internal error"), requestId);
            }
        }
    }
}
