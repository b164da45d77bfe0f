package dev.keyway.kernel.http;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * What the data plane tells callers about a version's lifecycle. Deprecated versions serve with
 * {@code Deprecation: @<epoch seconds>} (RFC 9745), {@code Sunset: <HTTP-date>} (RFC 8594) and
 * {@code Link: <successor prefix>; rel="successor-version"} (RFC 5829); retired ones answer 410 naming the successor.
 * Drafts never reach here: they are not in the route table.
 */
final class Lifecycles {

    private Lifecycles() {
    }

    /** 410 Gone, naming the successor version and where it is served. */
    static Decision.Respond retired(Service service, ServiceVersion version) {
        String message = "version " + version.version() + " of service '" + service.name() + "' is retired";
        Optional<ServiceVersion> successor = successor(service, version);
        if (successor.isPresent()) {
            message += "; use version " + successor.get().version() + " at " + successor.get().pathPrefix();
            return Decision.respond(410, "version_retired", message)
                    .withHeader("Link", link(successor.get()));
        }
        return Decision.respond(410, "version_retired", message + "; it has no successor");
    }

    /** Adds the deprecation headers to the response when {@code version} is deprecated. */
    static void deprecationHeaders(Service service, ServiceVersion version, HttpExchange exchange) {
        if (version.lifecycle() != ServiceVersion.Lifecycle.DEPRECATED) {
            return;
        }
        exchange.gatewayHeader("Deprecation", version.deprecatedAt() == null ? "@0"
                : "@" + version.deprecatedAt().getEpochSecond(), false);
        if (version.sunsetAt() != null) {
            exchange.gatewayHeader("Sunset", HTTP_DATE.format(version.sunsetAt().atOffset(ZoneOffset.UTC)), false);
        }
        // Beside the upstream's own Link values (pagination and the like), never instead of them.
        successor(service, version).ifPresent(s -> exchange.gatewayHeader("Link", link(s), true));
    }

    /** IMF-fixdate (RFC 9110): two-digit day, as RFC 8594 requires ({@code RFC_1123_DATE_TIME} drops the zero). */
    static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            java.util.Locale.US);

    private static Optional<ServiceVersion> successor(Service service, ServiceVersion version) {
        return version.successor() == null ? Optional.empty() : service.version(version.successor());
    }

    private static String link(ServiceVersion successor) {
        return "<" + successor.pathPrefix() + ">; rel=\"successor-version\"";
    }
}
