package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and validates the fields of one admin request body, collecting every failure so the caller gets them
 * all at once as 400 {@code validation_failed} with field names.
 */
final class Fields {
    private final ObjectNode body;
    private final Map<String, String> errors = new LinkedHashMap<>();

    Fields(ObjectNode body, Set<String> allowed) {
        this.body = body;
        body.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                errors.put(f, "unknown field (expected one of " + new TreeSet<>(allowed) + ")");
            }
        });
    }

    boolean has(String field) {
        JsonNode n = body.get(field);
        return n != null && !n.isNull();
    }

    /** A required or optional text field; null when absent and optional. */
    String text(String field, boolean required, String pattern, String expected) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.put(field, "required: " + expected);
            }
            return null;
        }
        if (!n.isTextual() || (pattern != null && !n.asText().matches(pattern))) {
            errors.put(field, "expected " + expected);
            return null;
        }
        return n.asText().trim();
    }

    /** An enum value given in lower case, e.g. {@code "disabled"}; null when absent. */
    <E extends Enum<E>> E choice(String field, Class<E> type, boolean required) {
        String v = text(field, required, null, "one of " + labels(type));
        if (v == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.put(field, "expected one of " + labels(type));
            return null;
        }
    }

    /** An optional integer in {@code min..max}; {@code dflt} when absent. */
    int integer(String field, int dflt, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            errors.put(field, "expected an integer in " + min + ".." + max + ", got " + n);
            return dflt;
        }
        return n.asInt();
    }

    /** An optional array of texts each matching {@code pattern}; empty when absent. */
    java.util.List<String> texts(String field, String pattern, String expected) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        if (!n.isArray()) {
            errors.put(field, "expected an array of " + expected);
            return out;
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || !e.asText().matches(pattern)) {
                errors.put(field, "expected an array of " + expected);
                return out;
            }
            out.add(e.asText());
        }
        return out;
    }

    JsonNode node(String field) {
        return body.get(field);
    }

    void error(String field, String message) {
        errors.put(field, message);
    }

    /** Adds another body's failures under {@code prefix}, e.g. {@code versions[0].pathPrefix}. */
    void merge(String prefix, Fields nested) {
        nested.errors.forEach((f, m) -> errors.put(prefix + "." + f, m));
    }

    boolean ok() {
        return errors.isEmpty();
    }

    /** Throws 400 with every collected failure, if any. */
    void check() {
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
    }

    static <E extends Enum<E>> String labels(Class<E> type) {
        StringBuilder s = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            s.append(s.isEmpty() ? "" : "|").append(e.name().toLowerCase(Locale.ROOT));
        }
        return s.toString();
    }
}
