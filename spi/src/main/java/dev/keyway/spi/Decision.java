package dev.keyway.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Stage} decided for one request: {@link #proceed()} or {@link Respond respond} with an error.
 * Decisions are immutable values; the kernel copies them off the ring before the slot is reused.
 */
public sealed interface Decision permits Decision.Proceed, Decision.Respond {

    /** Pass the request to the next stage (or to the upstream after the last one). */
    static Decision proceed() {
        return Proceed.INSTANCE;
    }

    /**
     * Stop the chain and answer the caller. The kernel renders {@code code} and {@code message} in the caller's
     * protocol error shape and adds the request id.
     *
     * @param status  an HTTP status, 400..599
     * @param code    a stable machine-readable code, e.g. {@code invalid_api_key}
     * @param message a human-readable reason; must never contain a secret
     */
    static Respond respond(int status, String code, String message) {
        return new Respond(status, code, message, Map.of());
    }

    /** The singleton "go on" decision. */
    enum Proceed implements Decision {
        INSTANCE
    }

    /**
     * Answer the caller with an error and stop the chain.
     *
     * @param status  HTTP status, 400..599
     * @param code    machine-readable error code
     * @param message human-readable message (no secrets)
     * @param headers extra response headers (e.g. {@code Retry-After}); never null
     */
    record Respond(int status, String code, String message, Map<String, String> headers) implements Decision {
        public Respond {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
            }
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        }

        /** A copy with one more response header. */
        public Respond withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Respond(status, code, message, more);
        }
    }
}
