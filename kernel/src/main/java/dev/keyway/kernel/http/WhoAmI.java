package dev.keyway.kernel.http;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;

import java.time.Instant;
import java.util.List;

/**
 * The body of {@code GET /v1/me}: who the presented key resolves to, after the authenticate and identify phases
 * accepted it. Never contains the secret. {@code limits} lists the limits that apply to the key on every service
 * (its own, its user's, app's and team's); a service's plans show in {@code /admin/limits} and in the
 * {@code x-ratelimit-*} headers of each call.
 */
final class WhoAmI {
    private WhoAmI() {
    }

    /** The JSON body, or null when no stage authenticated the key (no key-auth plugin: fail closed). */
    static String render(Exchange exchange, List<dev.keyway.spi.Limit> limits) {
        ApiKey key = exchange.attribute(Attributes.API_KEY).orElse(null);
        User user = exchange.attribute(Attributes.USER).orElse(null);
        Team team = exchange.attribute(Attributes.TEAM).orElse(null);
        App app = exchange.attribute(Attributes.APP).orElse(null);
        if (key == null || user == null || team == null || app == null) {
            return null;
        }
        return "{\"object\":\"keyway.identity\",\"key\":{\"id\":" + str(key.id()) + ",\"prefix\":" + str(key.prefix())
                + ",\"lastFour\":" + str(key.lastFour()) + ",\"scopes\":" + list(key.scopes())
                + ",\"allowedIps\":" + list(key.allowedIps()) + ",\"expiresAt\":" + time(key.expiresAt())
                + ",\"revokeAt\":" + time(key.revokeAt()) + "},\"limits\":" + limits(limits) + ",\"user\":{\"id\":"
                + str(user.id()) + ",\"username\":"
                + str(user.username()) + "},\"team\":{\"id\":" + str(team.id()) + ",\"name\":" + str(team.name())
                + "},\"app\":{\"id\":" + str(app.id()) + ",\"name\":" + str(app.name()) + "},\"requestId\":"
                + str(exchange.requestId()) + "}";
    }

    private static String limits(List<dev.keyway.spi.Limit> limits) {
        List<java.util.Map<String, Object>> out = new java.util.ArrayList<>();
        for (dev.keyway.spi.Limit l : limits) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("id", l.id());
            m.put("subject", l.subject().name().toLowerCase(java.util.Locale.ROOT));
            m.put("metric", l.metric().name().toLowerCase(java.util.Locale.ROOT));
            m.put("window", l.window().toString());
            m.put("max", l.max());
            m.put("mode", l.mode().name().toLowerCase(java.util.Locale.ROOT));
            out.add(m);
        }
        return dev.keyway.spi.json.Json.write(out);
    }

    private static String str(String s) {
        return s == null ? "null" : "\"" + ErrorBodies.escape(s) + "\"";
    }

    private static String time(Instant t) {
        return t == null ? "null" : str(t.toString());
    }

    private static String list(List<String> values) {
        StringBuilder s = new StringBuilder("[");
        for (String v : values) {
            s.append(s.length() > 1 ? "," : "").append(str(v));
        }
        return s.append(']').toString();
    }
}
