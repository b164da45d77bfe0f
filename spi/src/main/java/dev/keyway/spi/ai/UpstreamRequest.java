package dev.keyway.spi.ai;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP request a provider wants sent. The kernel sends it (never on a ring thread), with its own timeouts.
 *
 * @param method  HTTP method
 * @param uri     full URL
 * @param headers headers to send (credentials included); the kernel adds none of its own but content length
 * @param body    the body, or null
 */
public record UpstreamRequest(String method, URI uri, Map<String, String> headers, byte[] body) {
    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** Headers are not shown: they hold credentials. */
    @Override
    public String toString() {
        return "UpstreamRequest[" + method + " " + uri + "]";
    }
}
