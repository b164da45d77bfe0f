package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.kernel.plugin.PluginException;
import dev.keyway.kernel.plugin.PluginHost;
import dev.keyway.kernel.plugin.PluginInfo;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/**
 * {@code /admin/plugins}: list, load a JAR from the plugins folder, reload and unload a plugin. Changes swap the
 * chain atomically; in-flight requests finish on the chain they started with.
 */
final class PluginRoutes {
    private final AdminContext context;
    private final PluginHost host;

    PluginRoutes(AdminContext context) {
        this.context = context;
        this.host = context.plugins();
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.get("/admin/plugins", guard.wrap((req, res, who) -> {
                    who.requireSystemAdmin();
                    Json.send(res, 200, Map.of("data", host.list()));
                }))
                .post("/admin/plugins", guard.wrap(this::load))
                .post("/admin/plugins/{id}/reload", guard.wrap(this::reload))
                .delete("/admin/plugins/{id}", guard.wrap(this::unload));
    }

    private void load(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        JsonNode file = Json.body(req).get("file");
        if (file == null || !file.isTextual()) {
            throw AdminErrors.invalid(Map.of("file", "required: the JAR's file name in the plugins folder"));
        }
        try {
            PluginInfo loaded = host.load(file.asText());
            context.audit(who, "plugin.load", "plugin", loaded.id(), null, null, loaded);
            Json.send(res, 201, loaded);
        } catch (PluginException e) {
            throw error(e);
        }
    }

    private void reload(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        String id = req.path().pathParameters().get("id");
        try {
            PluginInfo loaded = host.reload(id);
            context.audit(who, "plugin.reload", "plugin", id, null, null, loaded);
            Json.send(res, 200, loaded);
        } catch (PluginException e) {
            throw error(e);
        }
    }

    private void unload(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        String id = req.path().pathParameters().get("id");
        try {
            host.unload(id);
            context.audit(who, "plugin.unload", "plugin", id, null, null, null);
        } catch (PluginException e) {
            throw error(e);
        }
        res.status(204).send();
    }

    private static AdminErrors error(PluginException e) {
        return switch (e.kind()) {
            case NOT_LOADED -> AdminErrors.of(404, "not_found", e.getMessage());
            case REQUIRED -> AdminErrors.of(409, "plugin_required", e.getMessage());
            case REFUSED -> AdminErrors.of(422, "plugin_refused", e.getMessage());
        };
    }
}
