package dev.keyway.spi;

import java.util.Optional;

/**
 * One request as the stages see it: the inbound request (read-only), typed attributes that stages pass to each
 * other, and the header changes the kernel applies to the upstream request and to the response.
 *
 * <p>The kernel creates the exchange on the request's thread and hands it to the ring; stages run one at a time
 * on a ring thread, so an exchange is never touched by two threads at once. Do not keep a reference to it after
 * {@link Stage#apply(Exchange)} returns.
 */
public interface Exchange {

    /** The request id: the caller's {@code X-Request-Id} if it sent a sane one, else a generated one. */
    String requestId();

    /** The protocol the caller speaks; it decides the error shape. */
    Protocol protocol();

    /** The HTTP method, upper case. */
    String method();

    /** The request path, without the query string, as received (percent-encoded). */
    String path();

    /** The raw query string without '?', or the empty string. */
    String rawQuery();

    /** The request headers, read-only. */
    Headers headers();

    /** The client IP (the socket peer unless it is a trusted proxy), as text. */
    String clientAddress();

    /** The value stored under {@code key}, if any. */
    <T> Optional<T> attribute(AttributeKey<T> key);

    /** Stores {@code value} under {@code key}, replacing any earlier value. {@code value} must not be null. */
    <T> void attribute(AttributeKey<T> key, T value);

    /** Changes to make to the request headers before it goes upstream. */
    HeaderChanges upstreamHeaders();

    /** Headers to set on the response to the caller (also on error responses the kernel writes). */
    HeaderChanges responseHeaders();

    /**
     * Removes every occurrence of the query parameter {@code name} (compared after percent-decoding) from the
     * request sent upstream, e.g. a credential the gateway consumed. {@link #rawQuery()} is unchanged.
     */
    void removeQueryParameter(String name);

    /** The query string the upstream will get: {@link #rawQuery()} without the parameters stages removed. */
    String upstreamQuery();

    /**
     * The request body, when the kernel read it before the chain: always on AI routes, on REST routes only when a
     * policy that reads bodies applies (REST bodies are otherwise streamed to the upstream, never held).
     */
    default java.util.Optional<byte[]> body() {
        return java.util.Optional.empty();
    }
}
