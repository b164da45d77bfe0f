package dev.keyway.kernel.ai;

import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a model name (or alias) on the unified API to the AI service version that grants it: the model decides
 * the service, as a path prefix does for REST. Immutable: rebuilt when services change.
 */
public final class AiRoutes {
    private final Map<String, Route> byModel;

    private AiRoutes(Map<String, Route> byModel) {
        this.byModel = byModel;
    }

    /** The routes of every AI service's versions, drafts included (they answer like unknown models). */
    public static AiRoutes of(Collection<Service> services) {
        Map<String, Route> map = new HashMap<>();
        for (Service s : services) {
            if (s.kind() != Service.Kind.AI) {
                continue;
            }
            for (ServiceVersion v : s.versions()) {
                for (String model : v.models()) {
                    map.putIfAbsent(model, new Route(s, v, model));
                }
            }
        }
        return new AiRoutes(Map.copyOf(map));
    }

    /** The version granting {@code model}, if any. */
    public Optional<Route> match(String model) {
        return model == null ? Optional.empty() : Optional.ofNullable(byModel.get(model));
    }

    /** Every route (for {@code GET /v1/models}). */
    public List<Route> all() {
        return List.copyOf(byModel.values());
    }

    /**
     * A match.
     *
     * @param service the AI service
     * @param version the version granting the model
     * @param model   the model name as callers use it
     */
    public record Route(Service service, ServiceVersion version, String model) {
    }
}
