package dev.keyway.kernel.http;

import dev.keyway.spi.Service;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Maps a data-plane path to its service by longest path prefix, on segment boundaries ({@code /orders} matches
 * {@code /orders} and {@code /orders/1}, not {@code /ordersx}). Immutable: rebuilt when services change.
 */
public final class RouteTable {
    private final List<Service> byLongestPrefix;

    private RouteTable(List<Service> byLongestPrefix) {
        this.byLongestPrefix = byLongestPrefix;
    }

    public static RouteTable of(Collection<Service> services) {
        return new RouteTable(services.stream()
                .sorted(Comparator.comparingInt((Service s) -> s.pathPrefix().length()).reversed()).toList());
    }

    /** The matched service and the path remainder to send upstream. */
    public Optional<Route> match(String path) {
        for (Service s : byLongestPrefix) {
            String prefix = s.pathPrefix();
            if (prefix.equals("/")) {
                return Optional.of(new Route(s, path));
            }
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                String rest = path.substring(prefix.length());
                return Optional.of(new Route(s, rest.isEmpty() ? "/" : rest));
            }
        }
        return Optional.empty();
    }

    /**
     * A match.
     *
     * @param service   the service
     * @param remainder the path after the prefix, starting with '/'
     */
    public record Route(Service service, String remainder) {
    }
}
