package dev.keyway.kernel.admin;

import java.util.Map;

/**
 * An expected admin-plane failure: rendered as {@code {"error":{"code","message","requestId"}}} with the status.
 * Thrown by route handlers, caught in one place.
 */
final class AdminErrors extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> fields;

    AdminErrors(int status, String code, String message, Map<String, String> fields) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.fields = Map.copyOf(fields);
    }

    static AdminErrors of(int status, String code, String message) {
        return new AdminErrors(status, code, message, Map.of());
    }

    static AdminErrors notFound(String what, String id) {
        return of(404, "not_found", what + " '" + id + "' not found");
    }

    static AdminErrors invalid(Map<String, String> fields) {
        return new AdminErrors(400, "validation_failed", "invalid fields: " + String.join(", ", fields.keySet()),
                fields);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, String> fields() {
        return fields;
    }
}
