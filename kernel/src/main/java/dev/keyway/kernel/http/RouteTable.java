package dev.keyway.kernel.http;

import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Maps a data-plane path to a service version by longest path prefix, on segment boundaries ({@code /orders}
 * matches {@code /orders} and {@code /orders/1}, not {@code /ordersx}). Every version is in the table, drafts too:
 * a draft nested under another version's prefix must not fall through to that version. The data plane answers
 * 404 for drafts (like unknown paths) and 410 for retired versions.
 * Immutable: rebuilt when services change.
 */
public final class RouteTable {
    private final List<Route> byLongestPrefix;

    private RouteTable(List<Route> byLongestPrefix) {
        this.byLongestPrefix = byLongestPrefix;
    }

    public static RouteTable of(Collection<Service> services) {
        List<Route> routes = new ArrayList<>();
        for (Service s : services) {
            for (ServiceVersion v : s.versions()) {
                if (v.pathPrefix() != null) { // AI versions are reached by model name, not by path
                    routes.add(new Route(s, v, null));
                }
            }
        }
        routes.sort(Comparator.comparingInt((Route r) -> r.version().pathPrefix().length()).reversed());
        return new RouteTable(List.copyOf(routes));
    }

    /** The matched version and the path remainder to send upstream. */
    public Optional<Route> match(String path) {
        for (Route r : byLongestPrefix) {
            String prefix = r.version().pathPrefix();
            if (prefix.equals("/")) {
                return Optional.of(new Route(r.service(), r.version(), path));
            }
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                String rest = path.substring(prefix.length());
                return Optional.of(new Route(r.service(), r.version(), rest.isEmpty() ? "/" : rest));
            }
        }
        return Optional.empty();
    }

    /**
     * A match.
     *
     * @param service   the service
     * @param version   the version whose prefix matched
     * @param remainder the path after the prefix, starting with '/' (null in the table itself)
     */
    public record Route(Service service, ServiceVersion version, String remainder) {
    }
}
