package dev.keyway.kernel.policy;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * The arguments of the prelude's {@code run} for one request: plain strings only (no host object reaches a
 * script). Credentials never do either: the headers that carry API keys are redacted, and a service's key query
 * parameter is removed from the query string; {@code context.keyId} says which key called.
 */
final class RequestArgs {
    static final String REDACTED = "[redacted]";
    private static final Set<String> SECRET_HEADERS = Set.of("authorization", "x-api-key", "x-goog-api-key",
            "proxy-authorization", "api-key");
    static final int BODY = 5;
    static final int BODY_NOTE = 6;
    static final int SIZE = 20;

    private RequestArgs() {
    }

    static Object[] of(Exchange exchange, Service service) {
        Object[] a = new Object[SIZE];
        a[0] = exchange.method();
        a[1] = exchange.path();
        // The query as sent upstream: without the parameters stages removed (every copy of an API key).
        a[2] = withoutParam(exchange.upstreamQuery(), service.keyQueryParam());
        a[3] = headerText(exchange);
        a[4] = exchange.clientAddress();
        a[BODY] = exchange.body().map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
        ApiKey key = exchange.attribute(Attributes.API_KEY).orElse(null);
        a[7] = key == null ? null : key.id();
        exchange.attribute(Attributes.USER).ifPresent(u -> {
            a[8] = u.id();
            a[9] = u.username();
        });
        exchange.attribute(Attributes.TEAM).ifPresent(t -> {
            a[10] = t.id();
            a[11] = t.name();
        });
        exchange.attribute(Attributes.APP).ifPresent(app -> {
            a[12] = app.id();
            a[13] = app.name();
        });
        a[14] = service.id();
        a[15] = service.name();
        a[16] = service.kind().name().toLowerCase(Locale.ROOT);
        a[17] = exchange.attribute(Attributes.SERVICE_VERSION).map(ServiceVersion::version).orElse(null);
        a[18] = exchange.attribute(Attributes.SUBSCRIPTION).map(s -> s.id()).orElse(null);
        a[19] = exchange.attribute(Attributes.MODEL).orElse(null);
        return a;
    }

    /** Updates what an earlier policy may have changed: the model. */
    static void refresh(Object[] a, Exchange exchange) {
        a[19] = exchange.attribute(Attributes.MODEL).orElse(null);
    }

    /** Sets what {@code request.body} says when there is no body to read, for this policy. */
    static Object[] withBody(Object[] a, Exchange exchange, PolicyIndex.Active p) {
        a[BODY_NOTE] = a[BODY] != null ? null : p.readsBody() ? "request.body: this request has no body"
                : "request.body is not available to policy '" + p.name() + "': REST request bodies are read only "
                + "for policies with readsBody set";
        return a;
    }

    /** Header names (lower case) and values, one per line, name and value alternating. */
    static String headerText(Exchange exchange) {
        StringBuilder b = new StringBuilder(256);
        for (String name : exchange.headers().names()) {
            String n = name.toLowerCase(Locale.ROOT);
            for (String v : exchange.headers().all(name)) {
                b.append(n).append('\n').append(SECRET_HEADERS.contains(n) ? REDACTED : clean(v)).append('\n');
            }
        }
        return b.toString();
    }

    private static String clean(String v) {
        return v.indexOf('\n') < 0 && v.indexOf('\r') < 0 ? v : v.replace('\n', ' ').replace('\r', ' ');
    }

    /** The raw query without the parameter {@code name} (compared after percent-decoding); null name: unchanged. */
    static String withoutParam(String rawQuery, String name) {
        if (name == null || rawQuery == null || rawQuery.isEmpty()) {
            return rawQuery == null ? "" : rawQuery;
        }
        StringBuilder b = new StringBuilder(rawQuery.length());
        for (String part : rawQuery.split("&", -1)) {
            int eq = part.indexOf('=');
            String raw = eq < 0 ? part : part.substring(0, eq);
            String decoded;
            try {
                decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                decoded = raw;
            }
            if (decoded.equals(name)) {
                continue;
            }
            if (!b.isEmpty()) {
                b.append('&');
            }
            b.append(part);
        }
        return b.toString();
    }
}
