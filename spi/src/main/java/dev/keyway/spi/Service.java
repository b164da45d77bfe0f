package dev.keyway.spi;

import java.util.List;
import java.util.Objects;

/**
 * A published service as the data plane sees it.
 *
 * @param id               service id
 * @param teamId           owning team, or null while teams do not exist yet
 * @param name             unique display name
 * @param pathPrefix       the data-plane path prefix it is served under, e.g. {@code /orders}
 * @param upstreams        base URLs, tried round-robin; never empty
 * @param connectTimeoutMs upstream connect timeout
 * @param readTimeoutMs    upstream response timeout (until the response head arrives)
 * @param retries          extra attempts for idempotent methods on connect failure
 * @param keyQueryParam    the query parameter an API key may be sent in for this service (e.g. {@code key}, as
 *                         Google's APIs do), or null: keys in the query string are ignored (the default, since
 *                         URLs end up in logs and browser history)
 */
public record Service(String id, String teamId, String name, String pathPrefix, List<String> upstreams,
                      int connectTimeoutMs, int readTimeoutMs, int retries, String keyQueryParam) {

    public Service {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        upstreams = List.copyOf(Objects.requireNonNull(upstreams, "upstreams"));
    }
}
